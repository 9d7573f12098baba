// RemoteTier: the daemon's side of the shared remote caches (issue 10; the servers are behind
// remote::MonitoredRemote). Local first: the compile handler asks fetch() only after a local miss,
// and queues upload() after a miss was stored locally.
//
// fetch(): for each remote in order, the manifest of the request key, then, for the first include
// set that holds on this machine (the caller's `matches`, the same check as a local lookup), its
// result and every artifact the local store lacks. Everything is verified before it is kept: the
// manifest and result envelopes by their digest (remote/envelope.h), the include set's result key
// by recomputing it from the request key and the set, and each artifact by hashing its bytes
// against its name and size. A value that fails is counted as an error of that remote and never
// served; the lookup goes on with the next include set or remote, and at worst the compile runs.
// The artifacts are put into the local store (pinned, as a miss's outputs are); the caller indexes
// the result, unpins them and delivers through the ordinary local path.
//
// upload(): a bounded queue (kMaxQueuedUploads jobs; each holds the result entry and include set,
// the artifacts are read from the local store when the job runs) drained by one uploader thread:
// for each remote, the artifacts it lacks (an exists check first), the result, then the manifest
// merged with the one the remote has (newest set first, capped as locally). Nothing of it runs on a
// build's critical path; a full queue drops the job and counts it. A remote's failure ends that
// job for that remote only. Read-only mode (ZCCACHE_REMOTE_ONLY_READ) queues nothing.
// stop() lets the uploader finish the queue for at most kFlushOnStop, then drops (and counts) the
// rest: `zccache stop` at the end of a CI job still uploads what the job compiled.
//
// The journal: fetch() describes what each remote it asked did (RemoteAttempt), and every upload
// job, done or dropped, is reported to the listener (the daemon journals it as an "upload" line).
//
// Thread-safe: fetch() from any request thread; upload() from any thread; the queue has a mutex.
// The listener runs on the uploader thread (or upload()'s caller for a dropped job).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "zccache/daemon/remote_attempt.h"
#include "zccache/hash/digest.h"
#include "zccache/remote/monitored_remote.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"

namespace zccache::daemon {

// The index's meta key under which counters_json() is kept.
inline constexpr const char* kRemoteStatsKey = "remote_stats";

struct RemoteFetch {
  store::IncludeSet set;
  store::ResultEntry result;
  size_t remote = 0;  // which remote served it (for note_hit)
};

// Which compile an upload comes from, for its journal line.
struct UploadOrigin {
  std::string compiler;
  std::vector<std::string> args;
  std::string cwd;
  std::string session_id;
};

// One upload job, finished (or dropped): what each remote did.
struct UploadReport {
  UploadOrigin origin;
  std::vector<RemoteAttempt> attempts;
  int64_t latency_ns = 0;  // from the start of the job to its end
};

class RemoteTier {
 public:
  using UploadListener = std::function<void(UploadReport)>;

  static constexpr size_t kMaxQueuedUploads = 1024;
  static constexpr std::chrono::milliseconds kFlushOnStop{5000};

  RemoteTier(std::vector<std::unique_ptr<remote::MonitoredRemote>> remotes, store::ArtifactStore& artifacts,
             bool read_only);
  ~RemoteTier();  // stop()
  RemoteTier(const RemoteTier&) = delete;
  RemoteTier& operator=(const RemoteTier&) = delete;

  // REQUIRES: before start(). Called for every upload job when it has run or been dropped.
  void set_upload_listener(UploadListener listener) { listener_ = std::move(listener); }
  // Starts the uploader thread (tests drive upload_once() instead).
  void start();
  void stop();

  // `attempts`, when given, gets one entry per remote asked, in order (the serving one last, as kHit).
  std::optional<RemoteFetch> fetch(const hash::Digest& request_key,
                                   const std::function<bool(const store::IncludeSet&)>& matches,
                                   std::vector<RemoteAttempt>* attempts = nullptr);
  // The fetched entry was delivered: a hit of that remote.
  void note_hit(size_t remote) { remotes_[remote]->note_hit(); }
  // For the journal of a compile that asks no remote on purpose: each remote, kSkipped with `why`.
  std::vector<RemoteAttempt> not_asked(const std::string& why) const;
  void upload(const hash::Digest& request_key, store::IncludeSet set, store::ResultEntry result,
              UploadOrigin origin = {});
  bool read_only() const { return read_only_; }
  // Runs one queued upload on the calling thread; false when the queue was empty.
  bool upload_once();
  size_t queued() const;

  // {"read_only", "queued", "uploads_dropped", "servers": [{"url", "hits", ...}]} for status --json.
  nlohmann::json status_json() const;

  // The per-remote counters as kept in the index (like the local stats, so that `status` counts
  // across daemon restarts): {"<redacted url>": {"hits": N, ...}, ...}. restore_counters() adds a
  // saved text's counts to the remotes configured now, by URL (a remote no longer configured is
  // forgotten at the next save); reset_counters() zeroes them (`zccache zero-stats`, `clear`).
  std::string counters_json() const;
  void restore_counters(const std::string& json);
  void reset_counters();

 private:
  struct Job {
    hash::Digest request_key;
    store::IncludeSet set;
    store::ResultEntry result;
    UploadOrigin origin;
  };
  // One remote's attempt; RemoteFetch without `remote` set, or nullopt (counted as a miss or error).
  // `attempt` gets what happened, except the final kHit (the caller's to set).
  std::optional<RemoteFetch> fetch_from(remote::MonitoredRemote& r, const hash::Digest& request_key,
                                        const std::function<bool(const store::IncludeSet&)>& matches,
                                        RemoteAttempt& attempt);
  // Downloads and verifies every artifact of `result` the local store lacks; false on any failure.
  bool fetch_artifacts(remote::MonitoredRemote& r, const store::ResultEntry& result, RemoteAttempt& attempt);
  // One job to one remote; the error of the first request that failed.
  Status upload_to(remote::MonitoredRemote& r, const Job& job);
  void report_dropped(Job job);
  void run();

  std::vector<std::unique_ptr<remote::MonitoredRemote>> remotes_;
  store::ArtifactStore& artifacts_;
  const bool read_only_;
  UploadListener listener_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;      // GUARDED_BY(mutex_)
  uint64_t dropped_ = 0;       // GUARDED_BY(mutex_)
  bool stopping_ = false;      // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace zccache::daemon
