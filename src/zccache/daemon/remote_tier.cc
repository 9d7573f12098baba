#include "zccache/daemon/remote_tier.h"

#include <array>
#include <utility>

#include "zccache/base/log.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/remote/envelope.h"
#include "zccache/remote/remote_spec.h"

namespace zccache::daemon {

namespace {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A request that failed: its kind (skipped by the breaker, timeout, error) and redacted message.
void note_failure(RemoteAttempt& attempt, const Error& e) {
  attempt.outcome = remote::MonitoredRemote::skipped(e) ? RemoteOutcome::kSkipped
                    : e.code == ErrorCode::kTimeout    ? RemoteOutcome::kTimeout
                                                       : RemoteOutcome::kError;
  attempt.error = remote::redact_urls(e.message);
}

// A value that arrived but failed verification: counted as the remote's error, never served.
void note_damage(remote::MonitoredRemote& r, RemoteAttempt& attempt, std::string what) {
  log::debug("remote " + r.description() + ": " + what);
  r.note_corrupt();
  attempt.outcome = RemoteOutcome::kError;
  if (attempt.error.empty()) attempt.error = std::move(what);
}

}  // namespace

RemoteTier::RemoteTier(std::vector<std::unique_ptr<remote::MonitoredRemote>> remotes, store::ArtifactStore& artifacts,
                       bool read_only)
    : remotes_(std::move(remotes)), artifacts_(artifacts), read_only_(read_only) {}

RemoteTier::~RemoteTier() { stop(); }

void RemoteTier::start() {
  if (read_only_ || thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void RemoteTier::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::deque<Job> rest;
  {
    std::lock_guard lock(mutex_);
    dropped_ += queue_.size();
    rest.swap(queue_);
  }
  for (Job& job : rest) report_dropped(std::move(job));
}

void RemoteTier::run() {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        if (!deadline) deadline = std::chrono::steady_clock::now() + kFlushOnStop;
        if (queue_.empty() || std::chrono::steady_clock::now() >= *deadline) return;  // stop() counts the rest
      }
    }
    upload_once();
  }
}

std::optional<RemoteFetch> RemoteTier::fetch(const hash::Digest& request_key,
                                             const std::function<bool(const store::IncludeSet&)>& matches,
                                             std::vector<RemoteAttempt>* attempts) {
  for (size_t i = 0; i < remotes_.size(); ++i) {
    RemoteAttempt attempt{remotes_[i]->description(), RemoteOutcome::kMiss, 0, {}};
    const int64_t start = steady_ns();
    auto found = fetch_from(*remotes_[i], request_key, matches, attempt);
    attempt.latency_ns = steady_ns() - start;
    if (found) attempt.outcome = RemoteOutcome::kHit;
    if (attempts) attempts->push_back(std::move(attempt));
    if (found) {
      found->remote = i;
      return found;
    }
  }
  return std::nullopt;
}

std::optional<RemoteFetch> RemoteTier::fetch_from(remote::MonitoredRemote& r, const hash::Digest& request_key,
                                                  const std::function<bool(const store::IncludeSet&)>& matches,
                                                  RemoteAttempt& attempt) {
  auto sealed = r.get(remote::manifest_name(request_key));
  if (!sealed.ok()) {  // counted by MonitoredRemote
    note_failure(attempt, sealed.error());
    return std::nullopt;
  }
  if (!sealed->has_value()) {
    r.note_miss();
    return std::nullopt;
  }
  auto payload = remote::open_envelope(remote::EnvelopeKind::kManifest, **sealed);
  std::optional<store::Manifest> manifest;
  if (payload) manifest = store::decode_manifest(*payload);
  if (!manifest) {
    note_damage(r, attempt, "corrupt manifest " + request_key.hex());
    return std::nullopt;
  }
  for (store::IncludeSet& set : manifest->entries) {
    // The set must lead to the result it names: a set edited (or garbled into another valid
    // encoding) on the server would otherwise serve a result recorded for other headers.
    if (set.result_key != result_key(request_key, set.files, set.env)) {
      note_damage(r, attempt, "include set does not lead to its result " + set.result_key.hex());
      continue;
    }
    if (!matches(set)) continue;
    auto result_bytes = r.get(remote::result_name(set.result_key));
    if (!result_bytes.ok()) {
      note_failure(attempt, result_bytes.error());
      return std::nullopt;
    }
    if (!result_bytes->has_value()) continue;  // evicted on the server
    auto result_payload = remote::open_envelope(remote::EnvelopeKind::kResult, **result_bytes);
    std::optional<store::ResultEntry> result;
    if (result_payload) result = store::decode_result(*result_payload);
    if (!result || result->exit_code != 0) {
      note_damage(r, attempt, "corrupt result " + set.result_key.hex());
      continue;
    }
    if (!fetch_artifacts(r, *result, attempt)) continue;
    return RemoteFetch{std::move(set), std::move(*result), 0};
  }
  r.note_miss();
  return std::nullopt;
}

bool RemoteTier::fetch_artifacts(remote::MonitoredRemote& r, const store::ResultEntry& result,
                                 RemoteAttempt& attempt) {
  std::vector<hash::Digest> put;
  auto give_up = [&] {
    for (const auto& blob : put) artifacts_.unpin(blob);
    return false;
  };
  for (const store::StoredOutput& out : result.outputs) {
    if (artifacts_.contains(out.blob)) continue;
    auto bytes = r.get(remote::artifact_name(out.blob));
    if (!bytes.ok()) {
      note_failure(attempt, bytes.error());
      return give_up();
    }
    if (!bytes->has_value()) return give_up();  // evicted on the server
    if ((*bytes)->size() != out.size || hash::hash_bytes(**bytes) != out.blob) {
      note_damage(r, attempt, "corrupt artifact " + out.blob.hex());
      return give_up();
    }
    auto stored = artifacts_.put_bytes(**bytes);
    if (!stored.ok()) {
      log::debug("remote artifact not stored locally: " + stored.error().message);
      return give_up();
    }
    put.push_back(*stored);
  }
  return true;
}

void RemoteTier::upload(const hash::Digest& request_key, store::IncludeSet set, store::ResultEntry result,
                        UploadOrigin origin) {
  if (read_only_) return;
  Job job{request_key, std::move(set), std::move(result), std::move(origin)};
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < kMaxQueuedUploads) {
      queue_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
    ++dropped_;
  }
  report_dropped(std::move(job));
}

std::vector<RemoteAttempt> RemoteTier::not_asked(const std::string& why) const {
  std::vector<RemoteAttempt> attempts;
  for (const auto& r : remotes_) attempts.push_back({r->description(), RemoteOutcome::kSkipped, 0, why});
  return attempts;
}

void RemoteTier::report_dropped(Job job) {
  if (listener_) listener_(UploadReport{std::move(job.origin), not_asked("upload queue full or daemon stopping"), 0});
}

bool RemoteTier::upload_once() {
  Job job;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return false;
    job = std::move(queue_.front());
    queue_.pop_front();
  }
  const int64_t job_start = steady_ns();
  UploadReport report;
  for (auto& r : remotes_) {
    RemoteAttempt attempt{r->description(), RemoteOutcome::kUploaded, 0, {}};
    const int64_t start = steady_ns();
    Status sent = upload_to(*r, job);
    attempt.latency_ns = steady_ns() - start;
    if (sent.ok()) {
      r->note_upload();
    } else {
      note_failure(attempt, sent.error());
    }
    report.attempts.push_back(std::move(attempt));
  }
  report.latency_ns = steady_ns() - job_start;
  report.origin = std::move(job.origin);
  if (listener_) listener_(std::move(report));
  return true;
}

Status RemoteTier::upload_to(remote::MonitoredRemote& r, const Job& job) {
  for (const store::StoredOutput& out : job.result.outputs) {
    std::string name = remote::artifact_name(out.blob);
    auto there = r.exists(name);
    if (!there.ok()) return there.error();
    if (*there) continue;
    auto bytes = artifacts_.read(out.blob);  // verified; gone when evicted since
    if (!bytes.ok()) return make_error(ErrorCode::kNotFound, "artifact evicted locally before its upload");
    ZCCACHE_TRY(r.put(name, *bytes));
  }
  std::string result = remote::seal(remote::EnvelopeKind::kResult, store::encode_result(job.result));
  ZCCACHE_TRY(r.put(remote::result_name(job.set.result_key), result));
  // Merged with what the remote holds, so that the include sets of other machines (another
  // system header version) stay; the last writer of a race loses the other's set, never a result.
  std::string name = remote::manifest_name(job.request_key);
  auto old = r.get(name);
  if (!old.ok()) return old.error();
  store::Manifest manifest;
  if (old->has_value()) {
    auto payload = remote::open_envelope(remote::EnvelopeKind::kManifest, **old);
    if (payload) {
      if (auto decoded = store::decode_manifest(*payload)) manifest = std::move(*decoded);
    }
  }
  store::add_include_set(manifest, job.set);
  return r.put(name, remote::seal(remote::EnvelopeKind::kManifest, store::encode_manifest(manifest)));
}

size_t RemoteTier::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

namespace {

// The persisted fields of RemoteCounters, by name.
constexpr std::array<std::pair<std::string_view, uint64_t remote::RemoteCounters::*>, 10> kCounterFields = {{
    {"hits", &remote::RemoteCounters::hits},
    {"misses", &remote::RemoteCounters::misses},
    {"errors", &remote::RemoteCounters::errors},
    {"timeouts", &remote::RemoteCounters::timeouts},
    {"skipped", &remote::RemoteCounters::skipped},
    {"requests", &remote::RemoteCounters::requests},
    {"uploads", &remote::RemoteCounters::uploads},
    {"bytes_down", &remote::RemoteCounters::bytes_down},
    {"bytes_up", &remote::RemoteCounters::bytes_up},
    {"latency_ns", &remote::RemoteCounters::latency_ns},
}};

}  // namespace

std::string RemoteTier::counters_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& r : remotes_) {
    remote::RemoteCounters c = r->counters();
    nlohmann::json one = nlohmann::json::object();
    for (const auto& [name, field] : kCounterFields) one[std::string(name)] = c.*field;
    j[r->description()] = std::move(one);
  }
  return j.dump();
}

void RemoteTier::restore_counters(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  for (auto& r : remotes_) {
    auto it = j.find(r->description());
    if (it == j.end() || !it->is_object()) continue;
    remote::RemoteCounters saved;
    for (const auto& [name, field] : kCounterFields) {
      auto v = it->find(std::string(name));
      if (v != it->end() && v->is_number_unsigned()) saved.*field = v->get<uint64_t>();
    }
    r->restore(saved);
  }
}

void RemoteTier::reset_counters() {
  for (auto& r : remotes_) r->reset_counters();
}

nlohmann::json RemoteTier::status_json() const {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& r : remotes_) {
    remote::RemoteCounters c = r->counters();
    servers.push_back({{"url", r->description()},
                       {"hits", c.hits},
                       {"misses", c.misses},
                       {"errors", c.errors},
                       {"timeouts", c.timeouts},
                       {"skipped", c.skipped},
                       {"requests", c.requests},
                       {"uploads", c.uploads},
                       {"bytes_down", c.bytes_down},
                       {"bytes_up", c.bytes_up},
                       {"mean_latency_us", c.requests ? c.latency_ns / c.requests / 1000 : 0},
                       {"circuit", std::string(r->breaker_state())}});
  }
  std::lock_guard lock(mutex_);
  return {{"read_only", read_only_}, {"queued", queue_.size()}, {"uploads_dropped", dropped_}, {"servers", servers}};
}

}  // namespace zccache::daemon
