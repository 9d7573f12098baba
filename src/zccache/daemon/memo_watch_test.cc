#include "zccache/daemon/memo_watch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "zccache/daemon/include_set.h"
#include "zccache/watcher/generation_snapshot.h"

namespace zccache::daemon {
namespace {

class MemoWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_memowatch_XXXXXX";
    dir_ = mkdtemp(tmpl);
    for (const char* d : {"/src", "/first", "/second"}) ::mkdir((dir_ + d).c_str(), 0755);
    write("src/a.c", "#include \"x.h\"\n");
    write("second/x.h", "int x;\n");
    watcher_ = watcher::make_inotify_watcher();
    ASSERT_NE(watcher_, nullptr);
    files_ = std::make_unique<fscache::MetadataCache>(watcher_.get());
    listings_ = std::make_unique<fscache::DirectoryCache>(watcher_.get());
    memo_.units.resize(1);
    memo_.units[0].plan.source = "src/a.c";
    memo_.inputs.files = {{"second/x.h", digest_of("second/x.h")}};
    store::DirState first;
    first.path = "first";
    first.exists = true;
    first.absent = {"x.h"};
    memo_.inputs.dirs = {first};
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void write(const std::string& rel, const std::string& content) { std::ofstream(dir_ + "/" + rel) << content; }
  hash::Digest digest_of(const std::string& rel) {
    fscache::MetadataCache plain;
    return plain.facts(dir_ + "/" + rel)->digest;
  }
  // What a memo hit does before it asks: look every input up once, through the watched caches.
  // Past the caches' racy window first: otherwise an entry is not kept and nothing is vouched for,
  // which would hide what these tests are about.
  void check_inputs() {
    ::usleep(static_cast<useconds_t>(fscache::MetadataCache::kRacyWindowNs / 1000 + 20'000));
    watcher_->drain();
    ASSERT_TRUE(include_set_matches(memo_.inputs, dir_, *files_, *listings_));
    ASSERT_TRUE(files_->facts(dir_ + "/src/a.c").ok());
  }

  std::string dir_;
  std::unique_ptr<watcher::Watcher> watcher_;
  std::unique_ptr<fscache::MetadataCache> files_;
  std::unique_ptr<fscache::DirectoryCache> listings_;
  MemoEntry memo_;
};

TEST_F(MemoWatchTest, TheDirectoriesOfEveryFileAndShadowCheck) {
  check_inputs();
  auto dirs = memo_watch_dirs(memo_, dir_, *listings_, files_.get());
  ASSERT_TRUE(dirs.has_value());
  EXPECT_EQ(*dirs, (std::vector<std::string>{dir_ + "/first", dir_ + "/second", dir_ + "/src"}));
}

TEST_F(MemoWatchTest, ASnapshotOfThemSeesAnEditAndAShadowingHeader) {
  check_inputs();
  auto dirs = memo_watch_dirs(memo_, dir_, *listings_, files_.get());
  ASSERT_TRUE(dirs.has_value());
  auto snapshot = watcher::GenerationSnapshot::take(*watcher_, *dirs);
  ASSERT_TRUE(snapshot.has_value());
  write("unrelated.txt", "x");
  watcher_->drain();
  EXPECT_TRUE(snapshot->unchanged());
  write("first/x.h", "int shadow;\n");
  watcher_->drain();
  EXPECT_FALSE(snapshot->unchanged());
}

TEST_F(MemoWatchTest, AMissingShadowDirectoryIsVouchedForByItsListedParent) {
  store::DirState missing;
  missing.path = "first/nested";
  missing.absent = {"x.h"};
  memo_.inputs.dirs.push_back(missing);
  check_inputs();
  auto dirs = memo_watch_dirs(memo_, dir_, *listings_, files_.get());
  ASSERT_TRUE(dirs.has_value());
  EXPECT_TRUE(std::count(dirs->begin(), dirs->end(), dir_ + "/first"));
  EXPECT_FALSE(std::count(dirs->begin(), dirs->end(), dir_ + "/first/nested"));
  auto snapshot = watcher::GenerationSnapshot::take(*watcher_, *dirs);
  ASSERT_TRUE(snapshot.has_value());
  ::mkdir((dir_ + "/first/nested").c_str(), 0755);
  watcher_->drain();
  EXPECT_FALSE(snapshot->unchanged());
}

TEST_F(MemoWatchTest, AMissingDirectoryWhoseParentWasNeverListedGetsItListed) {
  store::DirState missing;
  missing.path = "nowhere/deeper";
  missing.absent = {"x.h"};
  memo_.inputs.dirs.push_back(missing);
  check_inputs();
  ASSERT_EQ(listings_->watched_listing(dir_), nullptr) << "test premise: nothing listed the sandbox yet";
  auto trusted = memo_watch_dirs(memo_, dir_, *listings_, files_.get());
  ASSERT_TRUE(trusted.has_value());
  EXPECT_TRUE(std::count(trusted->begin(), trusted->end(), dir_));
  auto again = memo_watch_dirs(memo_, dir_, *listings_, nullptr);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(std::includes(again->begin(), again->end(), trusted->begin(), trusted->end()));
  auto snapshot = watcher::GenerationSnapshot::take(*watcher_, *again);
  ASSERT_TRUE(snapshot.has_value());
  ::mkdir((dir_ + "/nowhere").c_str(), 0755);
  watcher_->drain();
  EXPECT_FALSE(snapshot->unchanged());
}

TEST_F(MemoWatchTest, ASymlinkedHeaderIsNotVouchedFor) {
  ASSERT_EQ(::rename((dir_ + "/second/x.h").c_str(), (dir_ + "/x-target.h").c_str()), 0);
  ASSERT_EQ(::symlink((dir_ + "/x-target.h").c_str(), (dir_ + "/second/x.h").c_str()), 0);
  check_inputs();
  EXPECT_TRUE(memo_watch_dirs(memo_, dir_, *listings_, nullptr).has_value()) << "which directories: known";
  EXPECT_FALSE(memo_watch_dirs(memo_, dir_, *listings_, files_.get()).has_value());
}

TEST_F(MemoWatchTest, AHardlinkedHeaderIsNotVouchedFor) {
  ASSERT_EQ(::link((dir_ + "/second/x.h").c_str(), (dir_ + "/elsewhere.h").c_str()), 0);
  check_inputs();
  EXPECT_FALSE(memo_watch_dirs(memo_, dir_, *listings_, files_.get()).has_value());
}

TEST_F(MemoWatchTest, ASymlinkWhereAShadowCheckLooksIsNotVouchedFor) {
  ASSERT_EQ(::symlink("/nonexistent/x.h", (dir_ + "/first/x.h").c_str()), 0);  // dangling: absent
  check_inputs();
  EXPECT_FALSE(memo_watch_dirs(memo_, dir_, *listings_, files_.get()).has_value());
}

TEST_F(MemoWatchTest, WithoutAWatcherNothingIsVouchedFor) {
  fscache::MetadataCache files;
  fscache::DirectoryCache listings;
  ASSERT_TRUE(include_set_matches(memo_.inputs, dir_, files, listings));
  EXPECT_FALSE(memo_watch_dirs(memo_, dir_, listings, &files).has_value());
}

}  // namespace
}  // namespace zccache::daemon
