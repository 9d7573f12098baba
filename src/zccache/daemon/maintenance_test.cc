#include "zccache/daemon/maintenance.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "zccache/config/settings.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/store/result_entry.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::daemon {
namespace {

using testing::TempDirForTesting;
using testing::write_file_for_testing;

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto index = store::Index::open(dir_.file("index"), 64ull << 20);
    ASSERT_TRUE(index.ok());
    index_ = std::move(index).value();
    artifacts_ = std::make_unique<store::ArtifactStore>(dir_.file("artifacts"));
  }

  // `n` results of one 64 KiB blob each, used in order.
  void fill(int n) {
    for (int i = 0; i < n; ++i) {
      auto blob = artifacts_->put_bytes(std::string(64 * 1024, 'a') + std::to_string(i));
      ASSERT_TRUE(blob.ok());
      store::ResultEntry entry;
      entry.outputs.push_back({"object", *blob, 64 * 1024});
      hash::Digest key = hash::hash_bytes("r" + std::to_string(i));
      ASSERT_TRUE(index_->put(store::Table::kResults, key.raw(), store::encode_result(entry)).ok());
      ASSERT_TRUE(index_->put(store::Table::kUsage, key.raw(), store::UsageTracker::encode_time(1000 + i)).ok());
    }
    // A daemon restarted since: no pins protect these blobs.
    artifacts_ = std::make_unique<store::ArtifactStore>(dir_.file("artifacts"));
  }

  std::unique_ptr<Maintenance> make(const char* env = nullptr) {
    std::optional<std::string> value;
    if (env != nullptr) value.emplace(env);
    return std::make_unique<Maintenance>(dir_.path(), std::move(value), *index_, *artifacts_, usage_, stats_);
  }

  uint64_t size() { return artifacts_->size_estimate() + index_->size_bytes(); }

  TempDirForTesting dir_;
  std::unique_ptr<store::Index> index_;
  std::unique_ptr<store::ArtifactStore> artifacts_;
  store::UsageTracker usage_;
  Stats stats_;
};

TEST_F(MaintenanceTest, DefaultLimitKeepsEverything) {
  fill(8);
  auto m = make();
  EXPECT_EQ(m->limit_bytes(), config::kDefaultMaxSizeBytes);
  m->step(os::now_realtime_ns());
  EXPECT_EQ(*index_->count(store::Table::kResults), 8u);
  EXPECT_EQ(stats_.snapshot().evictions, 0u);
}

TEST_F(MaintenanceTest, ConfigFileLimitEvictsDownToNinetyPercent) {
  fill(20);
  auto m = make();
  m->step(os::now_realtime_ns());
  uint64_t full = size();
  uint64_t limit = full / 2;
  write_file_for_testing(config::config_path(dir_.path()), "max-size = " + std::to_string(limit) + "\n");
  m->step(os::now_realtime_ns());
  EXPECT_EQ(m->limit_bytes(), limit) << "the edited config file was not picked up";
  EXPECT_LE(size(), limit / 100 * Maintenance::kTargetPercent);
  uint64_t left = *index_->count(store::Table::kResults);
  EXPECT_LT(left, 20u);
  EXPECT_GT(left, 0u);
  EXPECT_EQ(stats_.snapshot().evictions, 20u - left);
  // The oldest went first: the newest result is still there.
  EXPECT_TRUE(index_->get(store::Table::kResults, hash::hash_bytes("r19").raw())->has_value());
  EXPECT_FALSE(index_->get(store::Table::kResults, hash::hash_bytes("r0").raw())->has_value());
}

TEST_F(MaintenanceTest, EnvironmentOverridesTheConfigFile) {
  write_file_for_testing(config::config_path(dir_.path()), "max-size = 1M\n");
  EXPECT_EQ(make("2G")->limit_bytes(), 2ull << 30);
  EXPECT_EQ(make()->limit_bytes(), 1ull << 20);
  EXPECT_EQ(make("nonsense")->limit_bytes(), 1ull << 20) << "a malformed environment value falls back to the file";
}

TEST_F(MaintenanceTest, ZeroMeansNoLimit) {
  fill(4);
  auto m = make("0");
  m->step(os::now_realtime_ns());
  EXPECT_EQ(*index_->count(store::Table::kResults), 4u);
}

TEST_F(MaintenanceTest, StopFlushesLastUseTimes) {
  auto m = make();
  m->start();
  hash::Digest key = hash::hash_bytes("used");
  { auto lease = usage_.lease(key); }
  m->stop();
  EXPECT_TRUE(index_->get(store::Table::kUsage, key.raw())->has_value());
}

}  // namespace
}  // namespace zccache::daemon
