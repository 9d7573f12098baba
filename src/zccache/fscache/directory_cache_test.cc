#include "zccache/fscache/directory_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace zccache::fscache {
namespace {

class DirectoryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_dircache_XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/a.h") << "x";
    mkdir((dir_ + "/sub").c_str(), 0755);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  // Lets the racy window pass so that listings are memoized.
  void settle() { usleep(120000); }
  std::string dir_;
};

TEST_F(DirectoryCacheTest, AnswersLikeStat) {
  DirectoryCache cache;
  EXPECT_TRUE(cache.exists(dir_ + "/a.h"));
  EXPECT_TRUE(cache.exists(dir_ + "/sub"));
  EXPECT_FALSE(cache.exists(dir_ + "/b.h"));
  EXPECT_FALSE(cache.exists(dir_ + "/missing/b.h"));
  EXPECT_FALSE(cache.exists(dir_ + "/a.h/b.h"));
}

TEST_F(DirectoryCacheTest, SeesNewEntriesAfterMemoizing) {
  DirectoryCache cache;
  settle();
  EXPECT_FALSE(cache.exists(dir_ + "/new.h"));
  EXPECT_GE(cache.size(), 1u) << "an old directory's listing is memoized";
  std::ofstream(dir_ + "/new.h") << "y";
  EXPECT_TRUE(cache.exists(dir_ + "/new.h"));
  unlink((dir_ + "/new.h").c_str());
  EXPECT_FALSE(cache.exists(dir_ + "/new.h"));
}

TEST_F(DirectoryCacheTest, NewSubdirectorySeen) {
  DirectoryCache cache;
  settle();
  EXPECT_FALSE(cache.exists(dir_ + "/sys/x.h"));
  mkdir((dir_ + "/sys").c_str(), 0755);
  std::ofstream(dir_ + "/sys/x.h") << "z";
  EXPECT_TRUE(cache.exists(dir_ + "/sys/x.h"));
}

TEST_F(DirectoryCacheTest, DanglingSymlinkTurnsValidWithoutDirectoryChange) {
  mkdir((dir_ + "/target").c_str(), 0755);
  ASSERT_EQ(symlink((dir_ + "/target/real.h").c_str(), (dir_ + "/sub/link.h").c_str()), 0);
  DirectoryCache cache;
  settle();
  EXPECT_FALSE(cache.exists(dir_ + "/sub/link.h"));
  std::ofstream(dir_ + "/target/real.h") << "now";  // sub/ itself does not change
  EXPECT_TRUE(cache.exists(dir_ + "/sub/link.h"));
}

TEST_F(DirectoryCacheTest, FreshDirectoryIsNotMemoized) {
  DirectoryCache cache;
  std::ofstream(dir_ + "/fresh.h") << "f";
  EXPECT_TRUE(cache.exists(dir_ + "/fresh.h"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(DirectoryCacheTest, LookupSkipsSubdirectoriesMissingFromAListedParent) {
  DirectoryCache cache;
  settle();
  DirectoryLookup lookup(cache);
  EXPECT_TRUE(lookup.exists(dir_ + "/a.h"));        // lists dir_
  EXPECT_FALSE(lookup.exists(dir_ + "/nosub/x.h"));  // known missing from dir_'s listing
  EXPECT_TRUE(lookup.exists(dir_ + "/sub"));
  mkdir((dir_ + "/nosub").c_str(), 0755);
  std::ofstream(dir_ + "/nosub/x.h") << "x";
  DirectoryLookup next(cache);  // a new request sees the change
  EXPECT_TRUE(next.exists(dir_ + "/nosub/x.h"));
}

}  // namespace
}  // namespace zccache::fscache
