#include "zccache/daemon/session_registry.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

namespace zccache::daemon {
namespace {

// Session files are the user's build artefacts: readable like the files a compiler writes.
constexpr mode_t kSessionFileMode = 0644;

std::shared_ptr<AppendFile> open_session_file(const std::string& path, Status& status) {
  if (path.empty()) return nullptr;
  auto file = std::make_shared<AppendFile>(path, /*max_bytes=*/0, /*keep=*/0, kSessionFileMode);
  status = file->open();
  return file;
}

}  // namespace

std::string new_session_id() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", static_cast<unsigned>(random()));
    id += buf;
  }
  return id;
}

Result<std::string> SessionRegistry::start(const SessionOptions& options, int64_t now_ns) {
  Session session;
  session.options = options;
  session.started_ns = now_ns;
  session.last_activity_ns = now_ns;
  Status status;
  session.sinks.journal = open_session_file(options.journal_path, status);
  if (!status.ok()) return status.error();
  session.sinks.log = open_session_file(options.log_path, status);
  if (!status.ok()) return status.error();
  std::lock_guard lock(mutex_);
  std::string id = new_session_id();
  while (sessions_.count(id)) id = new_session_id();
  sessions_.emplace(id, std::move(session));
  return id;
}

SessionSinks SessionRegistry::record(const std::string& id, const JournalEntry& entry, uint64_t saved_ns,
                                     uint64_t bytes, int64_t now_ns) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return {};
  Session& s = it->second;
  s.last_activity_ns = now_ns;
  switch (entry.outcome) {
    case JournalOutcome::kHit:
    case JournalOutcome::kLinkHit:
      ++s.hits;
      s.saved_ns += saved_ns;
      s.bytes_delivered += bytes;
      break;
    case JournalOutcome::kMiss:
    case JournalOutcome::kLinkMiss:
      ++s.misses;
      break;
    case JournalOutcome::kError:
      ++s.errors;
      break;
    case JournalOutcome::kPassthrough:
      ++s.passthrough[entry.reason];
      break;
    case JournalOutcome::kUpload:  // not a compile: only its journal line
      break;
  }
  if (entry.outcome == JournalOutcome::kMiss || entry.outcome == JournalOutcome::kLinkMiss ||
      entry.outcome == JournalOutcome::kError) {
    auto longer = [](const SlowMiss& a, const SlowMiss& b) { return a.duration_ns > b.duration_ns; };
    if (s.slowest.size() < kSlowest || entry.compile_ns > s.slowest.back().duration_ns) {
      SlowMiss miss{entry.compile_ns, entry.source, entry.compiler, entry.args, entry.cwd};
      s.slowest.insert(std::upper_bound(s.slowest.begin(), s.slowest.end(), miss, longer), std::move(miss));
      if (s.slowest.size() > kSlowest) s.slowest.pop_back();
    }
  }
  return s.sinks;
}

std::string SessionRegistry::to_json(const std::string& id, const Session& s, int64_t now_ns, bool ended) {
  nlohmann::ordered_json j;
  j["session_id"] = id;
  j["ended"] = ended;
  j["hits"] = s.hits;
  j["misses"] = s.misses;
  j["errors"] = s.errors;
  uint64_t passthrough_total = 0;
  nlohmann::ordered_json by_reason = nlohmann::ordered_json::object();
  for (const auto& [reason, n] : s.passthrough) {
    by_reason[reason] = n;
    passthrough_total += n;
  }
  j["passthrough"] = std::move(by_reason);
  j["compiles"] = s.hits + s.misses + s.errors + passthrough_total;
  j["compile_time_saved_ms"] = s.saved_ns / 1'000'000;
  j["bytes_delivered"] = s.bytes_delivered;
  j["duration_ms"] = std::max<int64_t>(0, now_ns - s.started_ns) / 1'000'000;
  j["started"] = format_utc_ms(s.started_ns);
  nlohmann::ordered_json slow = nlohmann::ordered_json::array();
  for (const SlowMiss& m : s.slowest) {
    nlohmann::ordered_json one;
    one["duration_ms"] = static_cast<double>(m.duration_ns / 1000) / 1000.0;
    one["source"] = m.source;
    one["compiler"] = m.compiler;
    one["args"] = m.args;
    one["cwd"] = m.cwd;
    slow.push_back(std::move(one));
  }
  j["slowest_misses"] = std::move(slow);
  if (s.sinks.log) j["log"] = s.sinks.log->path();
  if (s.sinks.journal) j["journal"] = s.sinks.journal->path();
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::optional<std::string> SessionRegistry::stats_json(const std::string& id, int64_t now_ns) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  it->second.last_activity_ns = now_ns;
  return to_json(id, it->second, now_ns, /*ended=*/false);
}

std::optional<std::string> SessionRegistry::end(const std::string& id, int64_t now_ns) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  std::string json = to_json(id, it->second, now_ns, /*ended=*/true);
  sessions_.erase(it);  // its files close once the journal thread has written their last lines
  return json;
}

size_t SessionRegistry::expire(int64_t now_ns) {
  std::lock_guard lock(mutex_);
  const int64_t limit_ns = std::chrono::nanoseconds(timeout_).count();
  size_t n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now_ns - it->second.last_activity_ns > limit_ns) {
      it = sessions_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t SessionRegistry::open_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace zccache::daemon
