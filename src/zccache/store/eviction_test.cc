#include "zccache/store/eviction.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::store {
namespace {

using testing::TempDirForTesting;

// One cache directory (index + artifacts) and helpers to fill it with results named by a word.
class EvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto index = Index::open(dir_.file("index"), 64ull << 20);
    ASSERT_TRUE(index.ok()) << index.error().message;
    index_ = std::move(index).value();
    artifacts_ = std::make_unique<ArtifactStore>(dir_.file("artifacts"));
  }

  static hash::Digest key(const std::string& name) { return hash::hash_bytes("result:" + name); }
  static hash::Digest request(const std::string& name) { return hash::hash_bytes("request:" + name); }
  // 20 KiB that differ per name.
  static std::string content(const std::string& name) { return std::string(20 * 1024, 'x') + name; }

  // A result with one blob per entry of `blobs` (content(blob)), an include set in the manifest of
  // request(name) and, when last_use_ns != 0, a usage row.
  void add(const std::string& name, const std::vector<std::string>& blobs, int64_t last_use_ns) {
    ResultEntry entry;
    for (const auto& b : blobs) {
      auto d = artifacts_->put_bytes(content(b));
      ASSERT_TRUE(d.ok());
      entry.outputs.push_back({"out" + std::to_string(entry.outputs.size()), *d, content(b).size()});
    }
    ASSERT_TRUE(index_->put(Table::kResults, key(name).raw(), encode_result(entry)).ok());
    for (const auto& out : entry.outputs) artifacts_->unpin(out.blob);  // recorded: as the daemon does
    Manifest m;
    IncludeSet set;
    set.result_key = key(name);
    set.files.push_back({"/src/" + name + ".c", hash::hash_bytes(name)});
    add_include_set(m, set);
    ASSERT_TRUE(index_->put(Table::kManifests, request(name).raw(), encode_manifest(m)).ok());
    if (last_use_ns != 0) {
      ASSERT_TRUE(index_->put(Table::kUsage, key(name).raw(), UsageTracker::encode_time(last_use_ns)).ok());
    }
  }

  bool has_result(const std::string& name) { return index_->get(Table::kResults, key(name).raw())->has_value(); }
  bool has_manifest(const std::string& name) { return index_->get(Table::kManifests, request(name).raw())->has_value(); }
  bool has_blob(const std::string& blob) { return artifacts_->contains(hash::hash_bytes(content(blob))); }
  uint64_t blob_bytes() {
    auto blobs = artifacts_->list_blobs();
    EXPECT_FALSE(blobs.empty());
    return blobs.empty() ? 0 : blobs[0].bytes;
  }

  // A daemon that restarted: the same directory, no pins in memory.
  void restart_store() { artifacts_ = std::make_unique<ArtifactStore>(dir_.file("artifacts")); }

  EvictionReport evict(uint64_t target, int64_t grace = kPinGraceNs) {
    auto r = evict_to(target, *index_, *artifacts_, usage_, os::now_realtime_ns(), grace);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : EvictionReport{};
  }

  TempDirForTesting dir_;
  std::unique_ptr<Index> index_;
  std::unique_ptr<ArtifactStore> artifacts_;
  UsageTracker usage_;
};

TEST_F(EvictionTest, EvictsLeastRecentlyUsedFirstUntilUnderTarget) {
  // Used in the order 5, 2, 8, 0, 9, 1, 7, 3, 6, 4 (oldest first).
  const int order[] = {5, 2, 8, 0, 9, 1, 7, 3, 6, 4};
  for (int i = 0; i < 10; ++i) add("r" + std::to_string(order[i]), {"b" + std::to_string(order[i])}, 1000 + i);
  uint64_t per_blob = blob_bytes();
  uint64_t target = index_->size_bytes() + 4 * per_blob + per_blob / 2;  // room for 4
  EvictionReport r = evict(target);
  EXPECT_EQ(r.results_seen, 10u);
  EXPECT_EQ(r.results_evicted, 6u);
  EXPECT_EQ(r.blobs_removed, 6u);
  EXPECT_EQ(r.manifests_erased, 6u);
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(order[i]);
    bool kept = i >= 6;
    EXPECT_EQ(has_result("r" + n), kept) << "r" << n;
    EXPECT_EQ(has_blob("b" + n), kept) << "b" << n;
    EXPECT_EQ(has_manifest("r" + n), kept) << "r" << n;
    EXPECT_EQ(index_->get(Table::kUsage, key("r" + n).raw())->has_value(), kept) << "usage row of r" << n;
  }
  EXPECT_LE(r.bytes_after, target);
  EXPECT_EQ(artifacts_->size_estimate(), 4 * per_blob);
}

TEST_F(EvictionTest, NothingHappensUnderTheTarget) {
  add("a", {"a"}, 1);
  add("b", {"b"}, 2);
  EvictionReport r = evict(1ull << 40);
  EXPECT_EQ(r.results_evicted, 0u);
  EXPECT_TRUE(has_result("a") && has_result("b") && has_blob("a") && has_blob("b"));
}

TEST_F(EvictionTest, RecentUseNotYetFlushedCounts) {
  add("old", {"old"}, 100);
  add("new", {"new"}, 200);
  {
    auto lease = usage_.lease(key("old"));  // a hit on "old", not yet written to the index
    ASSERT_TRUE(lease.has_value());
  }
  uint64_t per_blob = blob_bytes();
  evict(index_->size_bytes() + per_blob + per_blob / 2);
  EXPECT_TRUE(has_result("old"));
  EXPECT_FALSE(has_result("new"));
}

TEST_F(EvictionTest, ResultsWithoutUsageRowGoFirst) {
  add("tracked", {"t"}, 100);
  add("legacy", {"l"}, 0);
  uint64_t per_blob = blob_bytes();
  evict(index_->size_bytes() + per_blob + per_blob / 2);
  EXPECT_TRUE(has_result("tracked"));
  EXPECT_FALSE(has_result("legacy"));
}

TEST_F(EvictionTest, ABlobSharedWithAKeptResultStays) {
  add("old", {"shared", "only-old"}, 1);
  add("new", {"shared"}, 2);
  uint64_t per_blob = blob_bytes();
  EvictionReport r = evict(index_->size_bytes() + per_blob + per_blob / 2);
  EXPECT_FALSE(has_result("old"));
  EXPECT_TRUE(has_result("new"));
  EXPECT_TRUE(has_blob("shared"));
  EXPECT_FALSE(has_blob("only-old"));
  EXPECT_EQ(r.blobs_removed, 1u);
}

TEST_F(EvictionTest, ALeasedResultIsNotEvictedAndAClaimedOneCannotBeLeased) {
  add("busy", {"busy"}, 1);
  add("idle", {"idle"}, 2);
  {
    auto lease = usage_.lease(key("busy"));
    ASSERT_TRUE(lease.has_value());
    EvictionReport r = evict(0);
    EXPECT_EQ(r.results_skipped_leased, 1u);
    EXPECT_TRUE(has_result("busy"));
    EXPECT_TRUE(has_blob("busy"));
    EXPECT_FALSE(has_result("idle"));
  }
  // Claimed (mid-eviction): a hit is refused until the claims are released.
  ASSERT_TRUE(usage_.try_claim(key("busy")));
  EXPECT_FALSE(usage_.lease(key("busy")).has_value());
  usage_.release_claims();
  EXPECT_TRUE(usage_.lease(key("busy")).has_value());
}

TEST_F(EvictionTest, PinnedBlobsAreNeverRemoved) {
  add("old", {"reput"}, 1);
  // A miss just put the same bytes again (its result is not recorded yet).
  ASSERT_TRUE(artifacts_->put_bytes(content("reput")).ok());
  ASSERT_TRUE(artifacts_->put_bytes(content("staged")).ok());
  EvictionReport r = evict(0);
  EXPECT_FALSE(has_result("old"));
  EXPECT_TRUE(has_blob("reput")) << "a blob pinned by a recent put was removed";
  EXPECT_TRUE(has_blob("staged")) << "an unreferenced blob pinned by a recent put was removed as an orphan";
  EXPECT_EQ(r.orphans_removed, 0u);
  // Once past the grace period, an unreleased pin protects nothing.
  EvictionReport later = evict(0, /*grace=*/-1'000'000'000);
  EXPECT_FALSE(has_blob("reput"));
  EXPECT_FALSE(has_blob("staged"));
  EXPECT_EQ(later.orphans_removed, 2u);
}

TEST_F(EvictionTest, PinsAreCountedPerPut) {
  ASSERT_TRUE(artifacts_->put_bytes(content("twice")).ok());
  ASSERT_TRUE(artifacts_->put_bytes(content("twice")).ok());
  artifacts_->unpin(hash::hash_bytes(content("twice")));
  evict(0);
  EXPECT_TRUE(has_blob("twice")) << "one of two puts released its pin; the other still holds";
  artifacts_->unpin(hash::hash_bytes(content("twice")));
  evict(0);
  EXPECT_FALSE(has_blob("twice"));
}

TEST_F(EvictionTest, OrphanBlobsAreRemoved) {
  add("kept", {"kept"}, 1);
  ASSERT_TRUE(artifacts_->put_bytes(content("orphan")).ok());
  restart_store();  // a daemon that died before recording: nothing pins the blob
  EvictionReport r = evict(1ull << 40);
  EXPECT_EQ(r.orphans_removed, 1u);
  EXPECT_FALSE(has_blob("orphan"));
  EXPECT_TRUE(has_blob("kept"));
  EXPECT_TRUE(has_result("kept"));
}

TEST_F(EvictionTest, IncludeSetsOfMissingResultsAreDropped) {
  add("a", {"a"}, 1);
  add("b", {"b"}, 2);
  // A second include set under a's request key, pointing to a result that no longer exists.
  Manifest m = *decode_manifest(**index_->get(Table::kManifests, request("a").raw()));
  IncludeSet gone;
  gone.result_key = key("vanished");
  add_include_set(m, gone);
  ASSERT_TRUE(index_->put(Table::kManifests, request("a").raw(), encode_manifest(m)).ok());
  ASSERT_TRUE(index_->put(Table::kManifests, request("only-gone").raw(), encode_manifest(Manifest{{gone}})).ok());
  uint64_t per_blob = blob_bytes();
  EvictionReport r = evict(index_->size_bytes() + 2 * per_blob + per_blob / 2);  // only the cleanup
  EXPECT_EQ(r.results_evicted, 0u);
  EXPECT_EQ(r.include_sets_dropped, 2u);
  EXPECT_EQ(r.manifests_erased, 1u);
  auto a = decode_manifest(**index_->get(Table::kManifests, request("a").raw()));
  ASSERT_TRUE(a);
  ASSERT_EQ(a->entries.size(), 1u);
  EXPECT_EQ(a->entries[0].result_key, key("a"));
  EXPECT_FALSE(index_->get(Table::kManifests, request("only-gone").raw())->has_value());
}

}  // namespace
}  // namespace zccache::store
