#include "zccache/store/eviction.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"

namespace zccache::store {
namespace {

using DigestSet = std::unordered_set<hash::Digest, hash::DigestHash>;

struct Candidate {
  hash::Digest key;
  int64_t last_use_ns = 0;
  std::vector<hash::Digest> blobs;
};

// Every result with its blobs; refs counts, for each blob, the results that name it.
Status read_results(Index& index, std::vector<Candidate>& out,
                    std::unordered_map<hash::Digest, uint32_t, hash::DigestHash>& refs) {
  return index.for_each(Table::kResults, [&](std::string_view key, std::string_view value) {
    auto digest = hash::Digest::from_raw(key);
    if (!digest) return true;
    Candidate c{*digest, 0, {}};
    if (auto entry = decode_result(value)) {
      for (const auto& o : entry->outputs) {
        if (std::find(c.blobs.begin(), c.blobs.end(), o.blob) != c.blobs.end()) continue;
        c.blobs.push_back(o.blob);
        ++refs[o.blob];
      }
    }
    // An undecodable entry names no blob it could keep alive; it is evicted like any other.
    out.push_back(std::move(c));
    return true;
  });
}

}  // namespace

Result<EvictionReport> evict_to(uint64_t target_bytes, Index& index, ArtifactStore& artifacts, UsageTracker& usage,
                                int64_t now_ns, int64_t pin_grace_ns) {
  EvictionReport report;
  int64_t pinned_since = now_ns - pin_grace_ns;
  (void)usage.flush(index);  // best effort: pending() below covers what did not make it

  // 1. Results and their last use. Read before the blob walk: a result's blobs are complete
  //    before the result is recorded, so every blob a result read here names is in the walk
  //    unless it really is gone.
  std::vector<Candidate> results;
  std::unordered_map<hash::Digest, uint32_t, hash::DigestHash> refs;
  ZCCACHE_TRY(read_results(index, results, refs));
  report.results_seen = results.size();
  std::unordered_map<hash::Digest, int64_t, hash::DigestHash> last_use;
  std::vector<IndexWrite> writes;
  ZCCACHE_TRY(index.for_each(Table::kUsage, [&](std::string_view key, std::string_view value) {
    auto digest = hash::Digest::from_raw(key);
    auto ns = UsageTracker::decode_time(value);
    if (digest && ns) last_use[*digest] = *ns;
    return true;
  }));
  for (const auto& [key, ns] : usage.pending()) last_use[key] = std::max(last_use[key], ns);
  DigestSet result_keys;
  for (auto& c : results) {
    result_keys.insert(c.key);
    if (auto it = last_use.find(c.key); it != last_use.end()) c.last_use_ns = it->second;
  }
  // Usage rows of results that no longer exist (a memo hit on an evicted result re-creates one).
  for (const auto& [key, ns] : last_use) {
    if (!result_keys.count(key) && ns < now_ns) writes.push_back({Table::kUsage, std::string(key.raw()), std::nullopt});
  }

  // 2. Blobs on disk.
  std::unordered_map<hash::Digest, uint64_t, hash::DigestHash> blob_bytes;
  uint64_t blobs_total = 0;
  for (const auto& b : artifacts.list_blobs()) {
    blob_bytes[b.digest] = b.bytes;
    blobs_total += b.bytes;
  }
  const uint64_t index_bytes = index.size_bytes();
  report.bytes_before = blobs_total + index_bytes;

  // 3. Orphans.
  for (const auto& [digest, bytes] : blob_bytes) {
    if (refs.count(digest)) continue;
    uint64_t freed = artifacts.remove_unless_pinned(digest, pinned_since);
    if (freed > 0 || !artifacts.contains(digest)) {
      ++report.orphans_removed;
      blobs_total -= std::min(blobs_total, bytes);
    }
  }

  // 4. Least recently used results until the projected size fits.
  std::sort(results.begin(), results.end(), [](const Candidate& a, const Candidate& b) {
    return a.last_use_ns != b.last_use_ns ? a.last_use_ns < b.last_use_ns : a.key < b.key;
  });
  DigestSet victims;
  std::vector<hash::Digest> doomed_blobs;
  for (const auto& c : results) {
    if (blobs_total + index_bytes <= target_bytes) break;
    if (!usage.try_claim(c.key)) {
      ++report.results_skipped_leased;
      continue;
    }
    victims.insert(c.key);
    writes.push_back({Table::kResults, std::string(c.key.raw()), std::nullopt});
    writes.push_back({Table::kUsage, std::string(c.key.raw()), std::nullopt});
    for (const auto& blob : c.blobs) {
      if (--refs[blob] != 0) continue;
      doomed_blobs.push_back(blob);
      if (auto it = blob_bytes.find(blob); it != blob_bytes.end()) blobs_total -= std::min(blobs_total, it->second);
    }
  }
  report.results_evicted = victims.size();
  // The index first: a result must never name a blob that is already gone.
  Status erased = index.write_batch(writes);
  if (!erased.ok()) {
    usage.release_claims();
    return erased.error();
  }
  for (const auto& blob : doomed_blobs) {
    if (artifacts.remove_unless_pinned(blob, pinned_since) > 0) ++report.blobs_removed;
  }

  // 5. Include sets pointing to results that are gone: evicted now, or missing before (a result
  //    erased for a corrupt blob). A result recorded since step 1 is looked up, not assumed gone.
  DigestSet missing;
  ZCCACHE_TRY(index.for_each(Table::kManifests, [&](std::string_view, std::string_view value) {
    if (auto m = decode_manifest(value)) {
      for (const auto& set : m->entries) {
        if (!result_keys.count(set.result_key)) missing.insert(set.result_key);
      }
    }
    return true;
  }));
  for (auto it = missing.begin(); it != missing.end();) {
    auto got = index.get(Table::kResults, it->raw());
    it = (got.ok() && !got->has_value()) ? std::next(it) : missing.erase(it);
  }
  if (!victims.empty() || !missing.empty()) {
    Status rewritten =
        index.rewrite_each(Table::kManifests, [&](std::string_view, std::string_view value, std::string* out) {
          auto m = decode_manifest(value);
          if (!m) return Rewrite::kErase;  // unreadable: a lookup treats it as absent anyway
          size_t before = m->entries.size();
          std::erase_if(m->entries, [&](const IncludeSet& s) {
            return victims.count(s.result_key) != 0 || missing.count(s.result_key) != 0;
          });
          if (m->entries.size() == before) return Rewrite::kKeep;
          report.include_sets_dropped += before - m->entries.size();
          if (m->entries.empty()) {
            ++report.manifests_erased;
            return Rewrite::kErase;
          }
          *out = encode_manifest(*m);
          return Rewrite::kReplace;
        });
    if (!rewritten.ok()) {
      usage.release_claims();
      return rewritten.error();
    }
  }
  usage.release_claims();
  artifacts.prune_pins(pinned_since);
  report.bytes_after = artifacts.size_estimate() + index.size_bytes();
  return report;
}

}  // namespace zccache::store
