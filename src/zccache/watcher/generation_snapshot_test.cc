#include "zccache/watcher/generation_snapshot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace zccache::watcher {
namespace {

class GenerationSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_snap_XXXXXX";
    dir_ = mkdtemp(tmpl);
    for (const char* d : {"/a", "/b", "/a/sub"}) ::mkdir((dir_ + d).c_str(), 0755);
    std::ofstream(dir_ + "/a/x.h") << "1";
    watcher_ = make_inotify_watcher();
    ASSERT_NE(watcher_, nullptr);
    for (const char* d : {"/a", "/b", "/a/sub"}) ASSERT_TRUE(watcher_->watch(dir_ + d).has_value());
    watcher_->drain();
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::optional<GenerationSnapshot> snap() { return GenerationSnapshot::take(*watcher_, {dir_ + "/a", dir_ + "/b"}); }
  std::string dir_;
  std::unique_ptr<Watcher> watcher_;
};

TEST_F(GenerationSnapshotTest, UnchangedWithoutEvents) {
  auto s = snap();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->size(), 2u);
  watcher_->drain();
  EXPECT_TRUE(s->unchanged());
}

TEST_F(GenerationSnapshotTest, AnEditInOneDirectoryChangesIt) {
  auto s = snap();
  ASSERT_TRUE(s.has_value());
  std::ofstream(dir_ + "/a/x.h") << "2";
  EXPECT_TRUE(s->unchanged()) << "events count once drained";
  watcher_->drain();
  EXPECT_FALSE(s->unchanged());
}

TEST_F(GenerationSnapshotTest, AnEventOutsideLeavesItUnchanged) {
  ::mkdir((dir_ + "/c").c_str(), 0755);
  ASSERT_TRUE(watcher_->watch(dir_ + "/c").has_value());
  auto s = snap();
  ASSERT_TRUE(s.has_value());
  std::ofstream(dir_ + "/c/y.h") << "2";
  watcher_->drain();
  EXPECT_TRUE(s->unchanged());
}

TEST_F(GenerationSnapshotTest, TheEpochMovesOnlyWhenADrainRenewsSomething) {
  // The snapshot's one-load check rests on this: no drain renewed a cell while the epoch stood.
  Watcher::EpochCell epoch = watcher_->epoch_cell();
  ASSERT_NE(epoch, nullptr);
  const uint64_t start = epoch->load();
  watcher_->drain();
  EXPECT_EQ(epoch->load(), start) << "a drain without events";
  ::mkdir((dir_ + "/d").c_str(), 0755);
  ASSERT_TRUE(watcher_->watch(dir_ + "/d").has_value());
  EXPECT_EQ(epoch->load(), start) << "a new watch renews only its own new cell";
  watcher_->drain();  // the mkdir's event in the parent
  const uint64_t after_mkdir = epoch->load();
  EXPECT_GT(after_mkdir, start);
  auto s = snap();
  ASSERT_TRUE(s.has_value());
  std::ofstream(dir_ + "/a/x.h") << "3";
  EXPECT_EQ(epoch->load(), after_mkdir) << "events count once drained";
  EXPECT_TRUE(s->unchanged());
  watcher_->drain();
  EXPECT_GT(epoch->load(), after_mkdir);
  EXPECT_FALSE(s->unchanged());
}

TEST_F(GenerationSnapshotTest, ARenamedParentChangesIt) {
  auto s = GenerationSnapshot::take(*watcher_, {dir_ + "/a/sub"});
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(::rename((dir_ + "/a").c_str(), (dir_ + "/moved").c_str()), 0);
  ::mkdir((dir_ + "/a").c_str(), 0755);
  ::mkdir((dir_ + "/a/sub").c_str(), 0755);
  watcher_->drain();
  EXPECT_FALSE(s->unchanged());
}

TEST_F(GenerationSnapshotTest, ADeletedDirectoryNeverMatchesAgain) {
  auto s = GenerationSnapshot::take(*watcher_, {dir_ + "/b"});
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(::rmdir((dir_ + "/b").c_str()), 0);
  watcher_->drain();
  EXPECT_FALSE(s->unchanged());
  ::mkdir((dir_ + "/b").c_str(), 0755);
  ASSERT_TRUE(watcher_->watch(dir_ + "/b").has_value());
  watcher_->drain();
  EXPECT_FALSE(s->unchanged());
}

TEST_F(GenerationSnapshotTest, AnUnwatchedDirectoryGivesNoSnapshot) {
  EXPECT_FALSE(GenerationSnapshot::take(*watcher_, {dir_ + "/a", dir_ + "/never-watched"}).has_value());
}

TEST_F(GenerationSnapshotTest, RenamingOneOfTheDirectoriesChangesIt) {
  auto s = snap();
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(::rename((dir_ + "/b").c_str(), (dir_ + "/b2").c_str()), 0);
  watcher_->drain();
  EXPECT_FALSE(s->unchanged());
}

}  // namespace
}  // namespace zccache::watcher
