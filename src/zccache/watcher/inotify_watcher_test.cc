#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "zccache/watcher/watcher.h"

namespace zccache::watcher {
namespace {

class InotifyWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_watch_XXXXXX";
    dir_ = mkdtemp(tmpl);
    mkdir((dir_ + "/inc").c_str(), 0755);
    std::ofstream(dir_ + "/inc/a.h") << "1";
    watcher_ = make_inotify_watcher();
    ASSERT_NE(watcher_, nullptr);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
  std::unique_ptr<Watcher> watcher_;
};

TEST_F(InotifyWatcherTest, GenerationStableWithoutChanges) {
  auto g = watcher_->watch(dir_ + "/inc");
  ASSERT_TRUE(g.has_value());
  watcher_->drain();
  EXPECT_EQ(watcher_->generation(dir_ + "/inc"), g);
  EXPECT_EQ(watcher_->watch(dir_ + "/inc"), g);
}

TEST_F(InotifyWatcherTest, EditRenewsGenerationAfterDrain) {
  auto g = watcher_->watch(dir_ + "/inc");
  ASSERT_TRUE(g.has_value());
  std::ofstream(dir_ + "/inc/a.h") << "2";
  watcher_->drain();
  EXPECT_NE(watcher_->generation(dir_ + "/inc"), g);
}

TEST_F(InotifyWatcherTest, NewEntryRenewsGeneration) {
  auto g = watcher_->watch(dir_ + "/inc");
  std::ofstream(dir_ + "/inc/new.h") << "x";
  watcher_->drain();
  EXPECT_NE(watcher_->generation(dir_ + "/inc"), g);
}

TEST_F(InotifyWatcherTest, RenamedParentRenewsChildren) {
  auto g = watcher_->watch(dir_ + "/inc");
  ASSERT_TRUE(g.has_value());
  ASSERT_EQ(rename((dir_ + "/inc").c_str(), (dir_ + "/old").c_str()), 0);
  mkdir((dir_ + "/inc").c_str(), 0755);
  watcher_->drain();
  EXPECT_NE(watcher_->generation(dir_ + "/inc"), g);
}

TEST_F(InotifyWatcherTest, RepointedSymlinkInThePathRenewsChildren) {
  mkdir((dir_ + "/v1").c_str(), 0755);
  mkdir((dir_ + "/v2").c_str(), 0755);
  ASSERT_EQ(symlink("v1", (dir_ + "/current").c_str()), 0);
  auto g = watcher_->watch(dir_ + "/current");
  ASSERT_TRUE(g.has_value());
  ASSERT_EQ(symlink("v2", (dir_ + "/next").c_str()), 0);
  ASSERT_EQ(rename((dir_ + "/next").c_str(), (dir_ + "/current").c_str()), 0);  // ln -sfn
  watcher_->drain();
  EXPECT_NE(watcher_->generation(dir_ + "/current"), g);
}

TEST_F(InotifyWatcherTest, UnrelatedChangeInAnAncestorKeepsGeneration) {
  auto g = watcher_->watch(dir_ + "/inc");
  std::ofstream(dir_ + "/unrelated.txt") << "x";
  watcher_->drain();
  EXPECT_EQ(watcher_->generation(dir_ + "/inc"), g);
}

TEST_F(InotifyWatcherTest, MissingDirectoryIsNotWatchedButMayBeLater) {
  EXPECT_FALSE(watcher_->watch(dir_ + "/later").has_value());
  mkdir((dir_ + "/later").c_str(), 0755);
  EXPECT_TRUE(watcher_->watch(dir_ + "/later").has_value());
}

TEST_F(InotifyWatcherTest, DeletedDirectoryIsForgotten) {
  auto g = watcher_->watch(dir_ + "/inc");
  ASSERT_TRUE(g.has_value());
  std::system(("rm -rf " + dir_ + "/inc").c_str());
  watcher_->drain();
  EXPECT_NE(watcher_->generation(dir_ + "/inc"), g);
}

}  // namespace
}  // namespace zccache::watcher
