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
// Thread-safe: fetch() from any request thread; upload() from any thread; the queue has a mutex.
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

#include "zccache/hash/digest.h"
#include "zccache/remote/monitored_remote.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"

namespace zccache::daemon {

struct RemoteFetch {
  store::IncludeSet set;
  store::ResultEntry result;
  size_t remote = 0;  // which remote served it (for note_hit)
};

class RemoteTier {
 public:
  static constexpr size_t kMaxQueuedUploads = 1024;
  static constexpr std::chrono::milliseconds kFlushOnStop{5000};

  RemoteTier(std::vector<std::unique_ptr<remote::MonitoredRemote>> remotes, store::ArtifactStore& artifacts,
             bool read_only);
  ~RemoteTier();  // stop()
  RemoteTier(const RemoteTier&) = delete;
  RemoteTier& operator=(const RemoteTier&) = delete;

  // Starts the uploader thread (tests drive upload_once() instead).
  void start();
  void stop();

  std::optional<RemoteFetch> fetch(const hash::Digest& request_key,
                                   const std::function<bool(const store::IncludeSet&)>& matches);
  // The fetched entry was delivered: a hit of that remote.
  void note_hit(size_t remote) { remotes_[remote]->note_hit(); }
  void upload(const hash::Digest& request_key, store::IncludeSet set, store::ResultEntry result);
  // Runs one queued upload on the calling thread; false when the queue was empty.
  bool upload_once();
  size_t queued() const;

  // {"read_only", "queued", "uploads_dropped", "servers": [{"url", "hits", ...}]} for status --json.
  nlohmann::json status_json() const;

 private:
  struct Job {
    hash::Digest request_key;
    store::IncludeSet set;
    store::ResultEntry result;
  };
  // One remote's attempt; RemoteFetch without `remote` set, or nullopt (counted as a miss or error).
  std::optional<RemoteFetch> fetch_from(remote::MonitoredRemote& r, const hash::Digest& request_key,
                                        const std::function<bool(const store::IncludeSet&)>& matches);
  // Downloads and verifies every artifact of `result` the local store lacks; false on any failure.
  bool fetch_artifacts(remote::MonitoredRemote& r, const store::ResultEntry& result);
  bool upload_to(remote::MonitoredRemote& r, const Job& job);
  void run();

  std::vector<std::unique_ptr<remote::MonitoredRemote>> remotes_;
  store::ArtifactStore& artifacts_;
  const bool read_only_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;      // GUARDED_BY(mutex_)
  uint64_t dropped_ = 0;       // GUARDED_BY(mutex_)
  bool stopping_ = false;      // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace zccache::daemon
