#include "zccache/os/program_search.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::os {
namespace {

using testing::TempDirForTesting;

class ProgramSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    for (const char* d : {"a", "b", "c"}) ASSERT_EQ(::mkdir(dir_.file(d).c_str(), 0755), 0);
  }
  std::string put(const std::string& rel, mode_t mode) {
    std::string path = dir_.file(rel);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    EXPECT_GE(fd, 0) << path;
    ::close(fd);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  FileId id_of(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  }
  std::string path_of(std::initializer_list<const char*> dirs) {
    std::string p;
    for (const char* d : dirs) p += (p.empty() ? "" : ":") + (*d ? dir_.file(d) : std::string());
    return p;
  }
  TempDirForTesting dir_;
};

TEST_F(ProgramSearch, TakesTheFirstExecutableRegularFileInOrder) {
  put("c/cc", 0755);
  put("b/cc", 0755);
  EXPECT_EQ(find_in_path("cc", path_of({"a", "b", "c"}), "/", std::nullopt), dir_.file("b/cc"));
  EXPECT_EQ(find_in_path("cc", path_of({"c", "b"}), "/", std::nullopt), dir_.file("c/cc"));
  EXPECT_EQ(find_in_path("gcc", path_of({"a", "b", "c"}), "/", std::nullopt), "");
}

TEST_F(ProgramSearch, SkipsWhatCannotRunAndItself) {
  put("a/cc", 0644);                      // not executable
  ASSERT_EQ(::mkdir(dir_.file("b/cc").c_str(), 0755), 0);  // a directory
  std::string self = put("c/cc", 0755);  // zccache behind the compiler's name
  std::string real = dir_.file("real-cc");
  put("real-cc", 0755);
  ASSERT_EQ(::mkdir(dir_.file("d").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(real.c_str(), dir_.file("d/cc").c_str()), 0);
  const std::string path = path_of({"a", "b", "c", "d"});
  EXPECT_EQ(find_in_path("cc", path_of({"a", "b"}), "/", std::nullopt), "");  // root too: no x bit at all
  EXPECT_EQ(find_in_path("cc", path, "/", id_of(self)), dir_.file("d/cc"));  // a symlink is followed
  EXPECT_EQ(find_in_path("cc", path, "/", std::nullopt), self);
}

TEST_F(ProgramSearch, EmptyAndRelativeEntriesAreTheWorkingDirectory) {
  put("b/cc", 0755);
  put("cc", 0755);
  EXPECT_EQ(find_in_path("cc", "a:b", dir_.path(), std::nullopt), dir_.path() + "/b/cc");
  EXPECT_EQ(find_in_path("cc", ":a", dir_.path(), std::nullopt), dir_.path() + "/cc");
  EXPECT_EQ(find_in_path("cc", dir_.file("a") + ":", dir_.path(), std::nullopt), dir_.path() + "/cc");
}

// The daemon's listings answer "nothing there" before any stat; a path they say may exist is
// still checked, and nothing they rule out is found.
TEST_F(ProgramSearch, AskedPathsAreTheCandidatesInOrderAndANoSkipsThem) {
  put("b/cc", 0755);
  put("c/cc", 0755);
  std::vector<std::string> asked;
  auto all_but_b = [&](const std::string& p) {
    asked.push_back(p);
    return p != dir_.file("b/cc");
  };
  EXPECT_EQ(find_in_path("cc", path_of({"a", "b", "c"}), "/", std::nullopt, all_but_b), dir_.file("c/cc"));
  EXPECT_EQ(asked, (std::vector<std::string>{dir_.file("a/cc"), dir_.file("b/cc"), dir_.file("c/cc")}));
}

TEST(FileId, FormatsAndParsesBackAndRejectsAnythingElse) {
  FileId id{2049, 123456789012ULL};
  auto back = parse_file_id(format_file_id(id));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->dev, id.dev);
  EXPECT_EQ(back->ino, id.ino);
  for (const char* bad : {"", ":", "1:", ":1", "1:2:3", "a:1", "1:2x", "-1:2", " 1:2"}) {
    EXPECT_FALSE(parse_file_id(bad)) << bad;
  }
}

}  // namespace
}  // namespace zccache::os
