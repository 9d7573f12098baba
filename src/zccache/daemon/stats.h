// Stats: the daemon's counters (hits, misses, passthrough by reason, ...). Persisted in the
// index's meta table so that they survive daemon restarts. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>

#include "zccache/tools/plan.h"

namespace zccache::daemon {

struct Counters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t errors = 0;          // internal failures (I/O, corrupt artifacts); the build went on
  uint64_t compile_failed = 0;  // misses whose compile failed (not cached)
  uint64_t stored = 0;          // results written
  uint64_t evictions = 0;       // results removed to keep the cache under its size limit
  uint64_t index_discarded = 0; // indexes found damaged or of another format at start, and replaced
  uint64_t links_verified = 0;       // first misses of a link key re-run and found the same (link_verify.h)
  uint64_t links_nondeterministic = 0;  // ... found different: not stored, later links pass through
  // How repeated requests were answered from memory (request_memo.h): with the generation snapshot
  // (no event in any directory the checks read), or after checking every input. The other hits
  // took the full lookup (manifest from the index).
  uint64_t memo_snapshot = 0;
  uint64_t memo_checked = 0;
  std::array<uint64_t, static_cast<size_t>(tools::Passthrough::kCount)> passthrough{};
};

class Stats {
 public:
  void hit();
  void miss();
  void error();
  void compile_failed();
  void stored();
  void passthrough(tools::Passthrough reason);
  void evicted(uint64_t results);
  void index_discarded();
  void link_verified(bool same);
  void memo_answered(bool by_snapshot);
  Counters snapshot() const;
  void reset();

  // Serialises to / restores from the JSON kept in the index.
  std::string to_json() const;
  void load_json(const std::string& json);

 private:
  mutable std::mutex mutex_;
  Counters counters_;  // GUARDED_BY(mutex_)
};

}  // namespace zccache::daemon
