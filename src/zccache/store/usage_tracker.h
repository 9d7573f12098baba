// UsageTracker: when each result entry was last used, and which entries are being delivered at
// this moment. The two facts eviction needs, kept off the hit path's disk.
//
// Last use: a hit records it in memory (one mutex, one hash-map insert: well under a µs); flush()
// writes what accumulated to the index's kUsage table in one transaction, from the daemon's
// maintenance thread every couple of seconds and on shutdown. A daemon killed between flushes loses
// only those updates: the eviction order gets a little worse, nothing else.
// kUsage value: u64 little-endian nanoseconds since the epoch (CLOCK_REALTIME).
//
// Leases: a hit holds a Lease on its result key from before it reads the entry until its outputs
// are delivered. Eviction claims the keys it is about to remove (try_claim fails on a leased key);
// a claimed key cannot be leased, so the hit looks at its next candidate or compiles, until
// release_claims(). Thus no result disappears under a delivery in progress.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "zccache/base/result.h"
#include "zccache/hash/digest.h"
#include "zccache/store/index.h"

namespace zccache::store {

class UsageTracker {
 public:
  // Held while a result is read and delivered. Move-only; releases on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : tracker_(other.tracker_), key_(other.key_) { other.tracker_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();

   private:
    friend class UsageTracker;
    Lease(UsageTracker* tracker, const hash::Digest& key) : tracker_(tracker), key_(key) {}
    UsageTracker* tracker_;
    hash::Digest key_;
  };

  // Records a use of `result_key` now and leases it; nullopt when an eviction has claimed it.
  std::optional<Lease> lease(const hash::Digest& result_key);
  // A result was just stored: records a use now and calls the store listener.
  void stored(const hash::Digest& result_key);
  // Called (outside the lock) after every stored(); the maintenance thread wakes on it.
  void set_store_listener(std::function<void()> listener);

  // Writes the uses recorded since the last flush to kUsage in one transaction. On failure they
  // are kept for the next flush.
  Status flush(Index& index);
  // The uses not yet flushed (eviction merges them with kUsage).
  std::unordered_map<hash::Digest, int64_t, hash::DigestHash> pending() const;
  // Forgets unflushed uses (after `zccache clear`).
  void clear_pending();

  // Eviction side. true: the key is claimed (no lease held, none granted until release_claims).
  bool try_claim(const hash::Digest& result_key);
  void release_claims();

  static std::string encode_time(int64_t ns);
  static std::optional<int64_t> decode_time(std::string_view bytes);

 private:
  void release(const hash::Digest& key);
  void record_use(const hash::Digest& key, int64_t now_ns);  // REQUIRES: mutex_ held

  mutable std::mutex mutex_;
  std::unordered_map<hash::Digest, int64_t, hash::DigestHash> pending_;  // GUARDED_BY(mutex_)
  std::unordered_map<hash::Digest, int, hash::DigestHash> leased_;       // GUARDED_BY(mutex_): lease count
  std::unordered_set<hash::Digest, hash::DigestHash> claimed_;           // GUARDED_BY(mutex_)
  std::function<void()> listener_;                                        // GUARDED_BY(mutex_)
};

}  // namespace zccache::store
