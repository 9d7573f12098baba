// Maintenance: the daemon's background work on the cache as a whole, off every request's path.
// Its thread (the "maintenance thread" of server.h) wakes after each store and at least once a
// second, and in each step():
//   - re-reads <cache dir>/config when its stat signature changed (`zccache config max-size`
//     takes effect without a restart); ZCCACHE_MAX_SIZE, read once when the daemon starts,
//     overrides the file;
//   - walks the blobs once at start and every 10 minutes, so that size_estimate() stays exact;
//   - writes the batched last-use times to the index every 2 s;
//   - evicts (store/eviction.h) when blobs + index exceed the limit, down to 90% of it: the
//     hysteresis makes one pass free room for many stores instead of one pass per store.
// Thread-safe: step() runs on one thread at a time (the maintenance thread, or a test without
// it); limit_bytes() and notify() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "zccache/daemon/stats.h"
#include "zccache/os/file_info.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/index.h"
#include "zccache/store/usage_tracker.h"

namespace zccache::daemon {

class Maintenance {
 public:
  // Eviction stops at this share of the limit.
  static constexpr uint64_t kTargetPercent = 90;

  // env_max_size: the value of ZCCACHE_MAX_SIZE when the daemon started (nullopt when unset).
  Maintenance(std::string cache_dir, std::optional<std::string> env_max_size, store::Index& index,
              store::ArtifactStore& artifacts, store::UsageTracker& usage, Stats& stats);
  ~Maintenance();  // stop()
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  // Starts the thread and registers notify() as the usage tracker's store listener.
  void start();
  // Stops the thread, then flushes the last-use times.
  void stop();
  // One round of the work above, at time now_ns.
  void step(int64_t now_ns);
  // Wakes the thread (after a store).
  void notify();
  // The size limit in force (0: none).
  uint64_t limit_bytes() const { return limit_bytes_.load(std::memory_order_relaxed); }
  // After `zccache clear`: the blobs are gone, measure again.
  void forget_measurement() { measured_ns_ = 0; }

 private:
  void reload_settings();
  void run();

  const std::string cache_dir_;
  const std::optional<std::string> env_max_size_;
  store::Index& index_;
  store::ArtifactStore& artifacts_;
  store::UsageTracker& usage_;
  Stats& stats_;

  std::atomic<uint64_t> limit_bytes_;
  // Owned by the thread running step().
  std::optional<os::FileInfo> config_seen_;  // stat of the config file when last read (nullopt: absent)
  bool settings_loaded_ = false;
  std::atomic<int64_t> measured_ns_{0};
  int64_t flushed_ns_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;     // GUARDED_BY(mutex_)
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace zccache::daemon
