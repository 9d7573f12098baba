// Eviction: keeps the cache (blobs + index, measured on disk) at or below a size by removing whole
// results, least recently used first (UsageTracker). One pass:
//   1. flush pending last-use times; read every result (its blobs) and every last use;
//   2. walk the blobs (exact sizes; resets ArtifactStore::size_estimate);
//   3. remove orphans: blobs no result references (left by a store that was refused after its
//      outputs were copied, or by a daemon killed in between);
//   4. while over the target: claim the least recently used result (skipping leased ones), erase
//      it and its usage row (one index transaction), unlink each of its blobs that no remaining
//      result references;
//   5. drop the manifests' include sets that point to evicted (or otherwise missing) results, and
//      manifests left empty (one index transaction).
// Results without a usage row (stored before usage was tracked, or whose use was never flushed)
// count as the oldest. The index's data file never shrinks (LMDB reuses its free pages), so its
// size is a constant of the pass: a target below it empties the cache and still misses.
//
// Safe against concurrent hits and stores: leased results are never claimed, claimed ones cannot
// be leased; a blob still pinned by a put (during `pin_grace_ns` before the pass) is never
// removed: it may belong to a result being recorded (see ArtifactStore). A result recorded during the pass is not
// seen by it and is left alone.
//
// Runs on the daemon's maintenance thread. Not re-entrant: one pass at a time per cache.
#pragma once

#include <cstdint>

#include "zccache/base/result.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/index.h"
#include "zccache/store/usage_tracker.h"

namespace zccache::store {

// How long a pin that was never released (a store refused after its outputs were copied) keeps its
// blob from being swept as an orphan. A miss records its result within milliseconds of putting
// its blobs (seconds when a -M scan runs) and then releases the pins; ten minutes is far beyond
// that and costs nothing but a few pins held in memory.
inline constexpr int64_t kPinGraceNs = 600'000'000'000;

struct EvictionReport {
  uint64_t bytes_before = 0;  // blobs + index, measured at the start of the pass
  uint64_t bytes_after = 0;
  uint64_t results_seen = 0;
  uint64_t results_evicted = 0;
  uint64_t results_skipped_leased = 0;
  uint64_t blobs_removed = 0;   // of evicted results
  uint64_t orphans_removed = 0;
  uint64_t include_sets_dropped = 0;
  uint64_t manifests_erased = 0;
};

// Evicts until blobs + index <= target_bytes, or until nothing is left to evict.
Result<EvictionReport> evict_to(uint64_t target_bytes, Index& index, ArtifactStore& artifacts, UsageTracker& usage,
                                int64_t now_ns, int64_t pin_grace_ns = kPinGraceNs);

}  // namespace zccache::store
