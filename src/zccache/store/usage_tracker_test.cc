#include "zccache/store/usage_tracker.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::store {
namespace {

using testing::TempDirForTesting;

std::optional<int64_t> usage_row(Index& index, const hash::Digest& key) {
  auto got = index.get(Table::kUsage, key.raw());
  if (!got.ok() || !got->has_value()) return std::nullopt;
  return UsageTracker::decode_time(**got);
}

TEST(UsageTracker, UsesReachTheIndexOnlyOnFlush) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = Index::open(dir.file("index"), 16ull << 20);
  ASSERT_TRUE(index.ok());
  UsageTracker usage;
  hash::Digest a = hash::hash_bytes("a"), b = hash::hash_bytes("b");
  int64_t before = os::now_realtime_ns();
  { auto lease = usage.lease(a); }
  usage.stored(b);
  EXPECT_FALSE(usage_row(**index, a).has_value()) << "a hit wrote to the index synchronously";
  EXPECT_EQ(usage.pending().size(), 2u);
  ASSERT_TRUE(usage.flush(**index).ok());
  EXPECT_TRUE(usage.pending().empty());
  ASSERT_TRUE(usage_row(**index, a).has_value());
  EXPECT_GE(*usage_row(**index, a), before);
  EXPECT_GE(*usage_row(**index, b), before);
}

TEST(UsageTracker, StoreListenerIsCalled) {
  UsageTracker usage;
  int calls = 0;
  usage.set_store_listener([&] { ++calls; });
  usage.stored(hash::hash_bytes("x"));
  usage.stored(hash::hash_bytes("y"));
  EXPECT_EQ(calls, 2);
}

TEST(UsageTracker, LeasesNestAndRelease) {
  UsageTracker usage;
  hash::Digest k = hash::hash_bytes("k");
  {
    auto one = usage.lease(k);
    auto two = usage.lease(k);
    ASSERT_TRUE(one && two);
    { auto moved = std::move(*one); }  // releases one of the two
    EXPECT_FALSE(usage.try_claim(k)) << "still leased by `two`";
  }
  EXPECT_TRUE(usage.try_claim(k));
  usage.release_claims();
}

TEST(UsageTracker, TimeEncodingRoundTrips) {
  EXPECT_EQ(UsageTracker::decode_time(UsageTracker::encode_time(1234567890123456789)), 1234567890123456789);
  EXPECT_FALSE(UsageTracker::decode_time("short").has_value());
}

}  // namespace
}  // namespace zccache::store
