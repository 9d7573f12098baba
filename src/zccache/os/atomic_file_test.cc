#include "zccache/os/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::os {
namespace {

using testing::TempDirForTesting;
using testing::list_dir_for_testing;
using testing::read_file_for_testing;
using testing::write_file_for_testing;

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(AtomicFile, CommitMakesFileVisible) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string target = dir.file("out.o");
  auto file = AtomicFile::create(target);
  ASSERT_TRUE(file.ok()) << file.error().message;
  ASSERT_TRUE(file->write("hello ").ok());
  ASSERT_TRUE(file->write("world").ok());
  EXPECT_FALSE(exists(target));
  auto names = list_dir_for_testing(dir.path());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0].rfind(".out.o.tmp.", 0), 0u) << names[0];
  EXPECT_EQ(names[0].size(), std::string(".out.o.tmp.XXXXXX").size());

  ASSERT_TRUE(file->commit().ok());
  EXPECT_EQ(read_file_for_testing(target), "hello world");
  EXPECT_EQ(list_dir_for_testing(dir.path()), std::vector<std::string>{"out.o"});
}

TEST(AtomicFile, DestructionWithoutCommitLeavesNoFileAndNoTemporary) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  {
    auto file = AtomicFile::create(dir.file("out.o"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->write("partial").ok());
  }
  EXPECT_TRUE(list_dir_for_testing(dir.path()).empty());
}

TEST(AtomicFile, UncommittedWriteKeepsOldContent) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string target = dir.file("out.o");
  write_file_for_testing(target, "old");
  {
    auto file = AtomicFile::create(target);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->write("new").ok());
  }
  EXPECT_EQ(read_file_for_testing(target), "old");
  EXPECT_EQ(list_dir_for_testing(dir.path()), std::vector<std::string>{"out.o"});
}

TEST(AtomicFile, CommitReplacesExistingFile) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string target = dir.file("out.o");
  write_file_for_testing(target, "old content that is longer");
  ASSERT_TRUE(write_file_atomic(target, "new").ok());
  EXPECT_EQ(read_file_for_testing(target), "new");
  EXPECT_EQ(list_dir_for_testing(dir.path()), std::vector<std::string>{"out.o"});
}

TEST(AtomicFile, WriteIntoMissingDirectoryFailsCleanly) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string target = dir.file("missing/out.o");
  auto file = AtomicFile::create(target);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ErrorCode::kNotFound);
  EXPECT_NE(file.error().message.find(dir.path() + "/missing/"), std::string::npos) << file.error().message;

  Status s = write_file_atomic(target, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(list_dir_for_testing(dir.path()).empty());
}

TEST(AtomicFile, RejectsPathWithoutFileName) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto file = AtomicFile::create(dir.path() + "/");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ErrorCode::kInvalid);
}

TEST(AtomicFile, SetModeIsExactDespiteUmask) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string target = dir.file("tool");
  auto file = AtomicFile::create(target, 0600);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->write("#!/bin/sh\n").ok());
  ASSERT_TRUE(file->set_mode(0777).ok());
  ASSERT_TRUE(file->commit().ok());
  struct stat st;
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0777u);
}

TEST(AtomicFile, MovedFromFileDoesNotRemoveTheTemporary) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string target = dir.file("out.o");
  auto created = AtomicFile::create(target);
  ASSERT_TRUE(created.ok());
  std::optional<AtomicFile> moved;
  {
    AtomicFile from = std::move(created.value());
    moved.emplace(std::move(from));
  }  // `from` (moved-from) is destroyed here
  ASSERT_TRUE(moved->write("data").ok());
  ASSERT_TRUE(moved->commit().ok());
  EXPECT_EQ(read_file_for_testing(target), "data");
}

TEST(AtomicFile, CommitAsRenamesToAnotherName) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto file = AtomicFile::create(dir.file("incoming"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->write("abc").ok());
  ASSERT_TRUE(file->commit_as(dir.file("final")).ok());
  EXPECT_EQ(list_dir_for_testing(dir.path()), std::vector<std::string>{"final"});
  EXPECT_EQ(read_file_for_testing(dir.file("final")), "abc");
}

TEST(AtomicFile, LargeWriteIsComplete) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string data(5 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  ASSERT_TRUE(write_file_atomic(dir.file("big"), data).ok());
  EXPECT_EQ(read_file_for_testing(dir.file("big")), data);
}

TEST(AtomicFile, RelativePathUsesWorkingDirectory) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  Status s = write_file_atomic("rel.txt", "r");
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(read_file_for_testing(dir.file("rel.txt")), "r");
}

}  // namespace
}  // namespace zccache::os
