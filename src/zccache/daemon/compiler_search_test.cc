#include "zccache/daemon/compiler_search.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"
#include "zccache/watcher/watcher.h"

namespace zccache::daemon {
namespace {

// Not a file of the test tree: nothing is skipped as zccache itself.
constexpr os::FileId kNobody{0, 0};

class CompilerSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(watcher_);
    for (const char* d : {"a", "b", "c", "t1", "t2"}) ASSERT_EQ(::mkdir(tmp_.file(d).c_str(), 0755), 0);
  }
  std::string put(const std::string& rel, mode_t mode = 0755) {
    std::string path = tmp_.file(rel);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    EXPECT_GE(fd, 0) << path;
    ::close(fd);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string path_of(std::initializer_list<const char*> dirs) {
    std::string p;
    for (const char* d : dirs) p += (p.empty() ? "" : ":") + tmp_.file(d);
    return p;
  }
  // What the daemon does for each request: drain, then ask.
  std::string find(const std::string& path, const std::string& cwd = "/") {
    watcher_->drain();
    return search_.find("cc", path, cwd, kNobody);
  }

  testing::TempDirForTesting tmp_;
  std::unique_ptr<watcher::Watcher> watcher_ = watcher::make_inotify_watcher();
  fscache::DirectoryCache listings_{watcher_.get()};
  CompilerSearch search_{listings_};
};

TEST_F(CompilerSearchTest, RemembersTheAnswerUntilAnEarlierDirectoryGetsTheName) {
  const std::string path = path_of({"a", "b"});
  const std::string in_b = put("b/cc");
  EXPECT_EQ(find(path), in_b);
  const size_t searched = search_.searches();
  EXPECT_EQ(find(path), in_b);
  EXPECT_EQ(find(path), in_b);
  EXPECT_EQ(search_.searches(), searched) << "a repeated request walked PATH again";

  const std::string in_a = put("a/cc");
  EXPECT_EQ(search_.find("cc", path, "/", kNobody), in_b) << "not drained yet: the remembered answer";
  EXPECT_EQ(find(path), in_a);
  EXPECT_GT(search_.searches(), searched);
  ASSERT_EQ(::unlink(in_a.c_str()), 0);
  EXPECT_EQ(find(path), in_b);
}

TEST_F(CompilerSearchTest, TheFoundFilesModeCounts) {
  const std::string path = path_of({"a", "b", "c"});
  const std::string in_b = put("b/cc");
  const std::string in_c = put("c/cc");
  EXPECT_EQ(find(path), in_b);
  EXPECT_EQ(find(path), in_b);
  ASSERT_EQ(::chmod(in_b.c_str(), 0644), 0);
  EXPECT_EQ(find(path), in_c);
  ASSERT_EQ(::chmod(in_b.c_str(), 0755), 0);
  EXPECT_EQ(find(path), in_b);
}

// Debian's /usr/bin/clang++ -> ../lib/llvm-14/bin/clang++: what the link ends at lives outside PATH.
TEST_F(CompilerSearchTest, ChangesWhereALinkEndsCount) {
  const std::string path = path_of({"a", "b", "c"});
  const std::string target = put("t1/real");
  const std::string other = put("t2/real");
  const std::string link = tmp_.file("b/cc");
  ASSERT_EQ(::symlink("../t1/real", link.c_str()), 0);
  const std::string in_c = put("c/cc");
  EXPECT_EQ(find(path), link);
  EXPECT_EQ(find(path), link);

  ASSERT_EQ(::chmod(target.c_str(), 0644), 0);  // only t1 changes, a directory not in PATH
  EXPECT_EQ(find(path), in_c);
  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  EXPECT_EQ(find(path), link);

  ASSERT_EQ(::unlink(target.c_str()), 0);  // dangling: skipped
  EXPECT_EQ(find(path), in_c);
  ASSERT_EQ(::unlink(link.c_str()), 0);
  ASSERT_EQ(::symlink("../t2/real", link.c_str()), 0);
  EXPECT_EQ(find(path), link);
  ASSERT_EQ(::chmod(other.c_str(), 0600), 0);
  EXPECT_EQ(find(path), in_c);
}

TEST_F(CompilerSearchTest, ADirectoryInPathThatAppearsLaterCounts) {
  const std::string path = tmp_.file("none/deeper") + ":" + tmp_.file("b");
  const std::string in_b = put("b/cc");
  EXPECT_EQ(find(path), in_b);
  const size_t searched = search_.searches();
  EXPECT_EQ(find(path), in_b);
  EXPECT_EQ(search_.searches(), searched) << "a missing directory's absence was not remembered";
  ASSERT_EQ(::mkdir(tmp_.file("none").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(tmp_.file("none/deeper").c_str(), 0755), 0);
  EXPECT_EQ(find(path), in_b);
  const std::string appeared = put("none/deeper/cc");
  EXPECT_EQ(find(path), appeared);
}

TEST_F(CompilerSearchTest, RelativeEntriesAreAnsweredPerWorkingDirectory) {
  for (const char* d : {"a/tools", "b/tools"}) ASSERT_EQ(::mkdir(tmp_.file(d).c_str(), 0755), 0);
  const std::string in_a = put("a/tools/cc");
  const std::string in_b = put("b/tools/cc");
  const std::string path = "tools:" + tmp_.file("c");
  EXPECT_EQ(find(path, tmp_.file("a")), in_a);
  EXPECT_EQ(find(path, tmp_.file("b")), in_b);
  EXPECT_EQ(find(path, tmp_.file("a")), in_a);
}

TEST_F(CompilerSearchTest, ItselfIsSkippedPerClientBinary) {
  const std::string path = path_of({"a", "b"});
  const std::string in_a = put("a/cc");
  const std::string in_b = put("b/cc");
  struct stat st;
  ASSERT_EQ(::stat(in_a.c_str(), &st), 0);
  const os::FileId a_id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  watcher_->drain();
  EXPECT_EQ(search_.find("cc", path, "/", a_id), in_b);
  EXPECT_EQ(search_.find("cc", path, "/", kNobody), in_a);
  EXPECT_EQ(search_.find("cc", path, "/", a_id), in_b);
}

TEST_F(CompilerSearchTest, WithoutAWatcherEveryRequestSearches) {
  fscache::DirectoryCache unwatched;
  CompilerSearch search(unwatched);
  const std::string path = path_of({"a", "b"});
  const std::string in_b = put("b/cc");
  EXPECT_EQ(search.find("cc", path, "/", kNobody), in_b);
  const std::string in_a = put("a/cc");
  EXPECT_EQ(search.find("cc", path, "/", kNobody), in_a);
  EXPECT_EQ(search.searches(), 2u);
}

TEST_F(CompilerSearchTest, NotFoundAndClearedAnswersSearchAgain) {
  const std::string path = path_of({"a", "b"});
  EXPECT_EQ(find(path), "");
  const std::string in_b = put("b/cc");
  EXPECT_EQ(find(path), in_b);
  const size_t searched = search_.searches();
  search_.clear();
  EXPECT_EQ(find(path), in_b);
  EXPECT_GT(search_.searches(), searched);
}

}  // namespace
}  // namespace zccache::daemon
