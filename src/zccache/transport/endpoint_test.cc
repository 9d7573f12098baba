#include "zccache/transport/endpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::transport {
namespace {

using testing::TempDirForTesting;
using testing::list_dir_for_testing;

constexpr uid_t kOtherUid = 65534;  // nobody; chown to it needs root, not an account

mode_t mode_of(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  // A directory that belongs to kOtherUid (world-writable, as a shared /tmp dir would be).
  std::string others_dir() {
    std::string theirs = dir_.file("theirs");
    EXPECT_EQ(::mkdir(theirs.c_str(), 0777), 0);
    EXPECT_EQ(::chmod(theirs.c_str(), 0777), 0);
    EXPECT_EQ(::chown(theirs.c_str(), kOtherUid, kOtherUid), 0);
    return theirs;
  }
  void skip_unless_root() {
    if (::getuid() != 0) GTEST_SKIP() << "needs root to give a directory to another uid";
  }
  // prepare_endpoint on `cache_dir`: kPermission, one line, naming `words`, and nothing created in
  // `untouched`.
  void expect_refused(const std::string& cache_dir, const std::string& words, const std::string& untouched) {
    Status s = prepare_endpoint(endpoint_for(cache_dir));
    ASSERT_FALSE(s.ok()) << cache_dir << " was accepted";
    EXPECT_EQ(s.error().code, ErrorCode::kPermission) << s.error().message;
    EXPECT_NE(s.error().message.find(words), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << s.error().message;
    EXPECT_TRUE(list_dir_for_testing(untouched).empty()) << "created files in " << untouched;
  }

  TempDirForTesting dir_;
};

TEST_F(EndpointTest, MissingCacheDirIsCreatedWithAPrivateRunDir) {
  std::string cache = dir_.file("a/b/cache");
  Status s = prepare_endpoint(endpoint_for(cache));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(mode_of(cache), 0700u);
  EXPECT_EQ(mode_of(cache + "/run"), 0700u);
}

TEST_F(EndpointTest, WorldWritableCacheDirOfOursLosesThatBit) {
  std::string cache = dir_.file("cache");
  ASSERT_EQ(::mkdir(cache.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(cache.c_str(), 0777), 0);
  Status s = prepare_endpoint(endpoint_for(cache));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(mode_of(cache), 0775u);
}

TEST_F(EndpointTest, SymlinkToOurOwnDirIsUsed) {
  std::string ours = dir_.file("ours");
  ASSERT_EQ(::mkdir(ours.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(ours.c_str(), dir_.file("link").c_str()), 0);
  Status s = prepare_endpoint(endpoint_for(dir_.file("link")));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(mode_of(ours + "/run"), 0700u);
}

TEST_F(EndpointTest, CacheDirOfAnotherUserIsRefused) {
  skip_unless_root();
  std::string theirs = others_dir();
  expect_refused(theirs, "belongs to uid 65534", theirs);
}

TEST_F(EndpointTest, SymlinkToAnotherUsersDirIsRefused) {
  skip_unless_root();
  std::string theirs = others_dir();
  ASSERT_EQ(::symlink(theirs.c_str(), dir_.file("link").c_str()), 0);
  expect_refused(dir_.file("link"), "is a symlink to a directory of uid 65534", theirs);
}

TEST_F(EndpointTest, SymlinkOfAnotherUserIsRefusedEvenToOurDir) {
  skip_unless_root();
  std::string ours = dir_.file("ours");
  ASSERT_EQ(::mkdir(ours.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(ours.c_str(), dir_.file("link").c_str()), 0);
  ASSERT_EQ(::lchown(dir_.file("link").c_str(), kOtherUid, kOtherUid), 0);
  expect_refused(dir_.file("link"), "is a symlink that belongs to uid 65534", ours);
}

// A relative ZCCACHE_DIR is taken from the working directory; trailing slashes go.
TEST_F(EndpointTest, RelativeCacheDirIsResolvedAgainstTheWorkingDirectory) {
  const std::string old_cwd = std::filesystem::current_path().string();
  const char* old_dir = std::getenv("ZCCACHE_DIR");
  const std::string saved = old_dir ? old_dir : "";
  ASSERT_EQ(::chdir(dir_.path().c_str()), 0);
  ::setenv("ZCCACHE_DIR", "rel/cache//", 1);
  const std::string dir = default_cache_dir();
  ::setenv("ZCCACHE_DIR", "/abs/cache/", 1);
  const std::string absolute = default_cache_dir();
  if (old_dir) {
    ::setenv("ZCCACHE_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("ZCCACHE_DIR");
  }
  ASSERT_EQ(::chdir(old_cwd.c_str()), 0);
  EXPECT_EQ(dir, std::filesystem::canonical(dir_.path()).string() + "/rel/cache");
  EXPECT_EQ(absolute, "/abs/cache");
}

}  // namespace
}  // namespace zccache::transport
