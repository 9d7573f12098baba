#include "zccache/daemon/remote_tier.h"

#include "zccache/base/log.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/remote/envelope.h"

namespace zccache::daemon {

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
  std::lock_guard lock(mutex_);
  dropped_ += queue_.size();
  queue_.clear();
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
                                             const std::function<bool(const store::IncludeSet&)>& matches) {
  for (size_t i = 0; i < remotes_.size(); ++i) {
    if (auto found = fetch_from(*remotes_[i], request_key, matches)) {
      found->remote = i;
      return found;
    }
  }
  return std::nullopt;
}

std::optional<RemoteFetch> RemoteTier::fetch_from(remote::MonitoredRemote& r, const hash::Digest& request_key,
                                                  const std::function<bool(const store::IncludeSet&)>& matches) {
  auto sealed = r.get(remote::manifest_name(request_key));
  if (!sealed.ok()) return std::nullopt;  // counted by MonitoredRemote
  if (!sealed->has_value()) {
    r.note_miss();
    return std::nullopt;
  }
  auto payload = remote::open_envelope(remote::EnvelopeKind::kManifest, **sealed);
  std::optional<store::Manifest> manifest;
  if (payload) manifest = store::decode_manifest(*payload);
  if (!manifest) {
    log::debug("remote " + r.description() + ": corrupt manifest " + request_key.hex());
    r.note_corrupt();
    return std::nullopt;
  }
  for (store::IncludeSet& set : manifest->entries) {
    // The set must lead to the result it names: a set edited (or garbled into another valid
    // encoding) on the server would otherwise serve a result recorded for other headers.
    if (set.result_key != result_key(request_key, set.files, set.env)) {
      r.note_corrupt();
      continue;
    }
    if (!matches(set)) continue;
    auto result_bytes = r.get(remote::result_name(set.result_key));
    if (!result_bytes.ok()) return std::nullopt;
    if (!result_bytes->has_value()) continue;  // evicted on the server
    auto result_payload = remote::open_envelope(remote::EnvelopeKind::kResult, **result_bytes);
    std::optional<store::ResultEntry> result;
    if (result_payload) result = store::decode_result(*result_payload);
    if (!result || result->exit_code != 0) {
      log::debug("remote " + r.description() + ": corrupt result " + set.result_key.hex());
      r.note_corrupt();
      continue;
    }
    if (!fetch_artifacts(r, *result)) continue;
    return RemoteFetch{std::move(set), std::move(*result), 0};
  }
  r.note_miss();
  return std::nullopt;
}

bool RemoteTier::fetch_artifacts(remote::MonitoredRemote& r, const store::ResultEntry& result) {
  std::vector<hash::Digest> put;
  auto give_up = [&] {
    for (const auto& blob : put) artifacts_.unpin(blob);
    return false;
  };
  for (const store::StoredOutput& out : result.outputs) {
    if (artifacts_.contains(out.blob)) continue;
    auto bytes = r.get(remote::artifact_name(out.blob));
    if (!bytes.ok() || !bytes->has_value()) return give_up();
    if ((*bytes)->size() != out.size || hash::hash_bytes(**bytes) != out.blob) {
      log::debug("remote " + r.description() + ": corrupt artifact " + out.blob.hex());
      r.note_corrupt();
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

void RemoteTier::upload(const hash::Digest& request_key, store::IncludeSet set, store::ResultEntry result) {
  if (read_only_) return;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= kMaxQueuedUploads) {
      ++dropped_;
      return;
    }
    queue_.push_back(Job{request_key, std::move(set), std::move(result)});
  }
  wake_.notify_one();
}

bool RemoteTier::upload_once() {
  Job job;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return false;
    job = std::move(queue_.front());
    queue_.pop_front();
  }
  for (auto& r : remotes_) {
    if (upload_to(*r, job)) r->note_upload();
  }
  return true;
}

bool RemoteTier::upload_to(remote::MonitoredRemote& r, const Job& job) {
  for (const store::StoredOutput& out : job.result.outputs) {
    std::string name = remote::artifact_name(out.blob);
    auto there = r.exists(name);
    if (!there.ok()) return false;
    if (*there) continue;
    auto bytes = artifacts_.read(out.blob);  // verified; gone when evicted since
    if (!bytes.ok() || !r.put(name, *bytes).ok()) return false;
  }
  std::string result = remote::seal(remote::EnvelopeKind::kResult, store::encode_result(job.result));
  if (!r.put(remote::result_name(job.set.result_key), result).ok()) return false;
  // Merged with what the remote holds, so that the include sets of other machines (another
  // system header version) stay; the last writer of a race loses the other's set, never a result.
  std::string name = remote::manifest_name(job.request_key);
  auto old = r.get(name);
  if (!old.ok()) return false;
  store::Manifest manifest;
  if (old->has_value()) {
    auto payload = remote::open_envelope(remote::EnvelopeKind::kManifest, **old);
    if (payload) {
      if (auto decoded = store::decode_manifest(*payload)) manifest = std::move(*decoded);
    }
  }
  store::add_include_set(manifest, job.set);
  return r.put(name, remote::seal(remote::EnvelopeKind::kManifest, store::encode_manifest(manifest))).ok();
}

size_t RemoteTier::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
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
