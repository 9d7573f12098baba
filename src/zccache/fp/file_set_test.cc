#include "zccache/fp/file_set.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::fp {
namespace {

using testing::TempDirForTesting;
using testing::write_file_for_testing;

class FileSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    for (const char* f : {"a.proto", "b.txt", "src/x.proto", "src/deep/y.proto", "src/deep/z.txt", "build/out.proto",
                          "build/sub/o.proto", ".hidden/h.proto"}) {
      std::filesystem::create_directories(std::filesystem::path(dir_.file(f)).parent_path());
      write_file_for_testing(dir_.file(f), f);
    }
  }
  std::vector<std::string> scan(std::vector<std::string> inc, std::vector<std::string> exc) {
    FileSetSpec spec;
    spec.root = dir_.path();
    for (auto& g : inc) spec.includes.emplace_back(g);
    for (auto& g : exc) spec.excludes.emplace_back(g);
    spec.skip_file = skip_;
    auto files = scan_files(spec);
    EXPECT_TRUE(files.ok()) << files.error().message;
    std::vector<std::string> paths;
    if (files.ok())
      for (auto& f : *files) paths.push_back(f.path);
    return paths;
  }
  TempDirForTesting dir_;
  std::string skip_;
};

TEST_F(FileSetTest, EverythingWithoutGlobsSorted) {
  EXPECT_EQ(scan({}, {}), (std::vector<std::string>{".hidden/h.proto", "a.proto", "b.txt", "build/out.proto",
                                                    "build/sub/o.proto", "src/deep/y.proto", "src/deep/z.txt",
                                                    "src/x.proto"}));
}

TEST_F(FileSetTest, IncludeAndExclude) {
  EXPECT_EQ(scan({"**/*.proto"}, {"build/**", ".hidden"}),
            (std::vector<std::string>{"a.proto", "src/deep/y.proto", "src/x.proto"}));
  EXPECT_EQ(scan({"src"}, {"**/*.txt"}), (std::vector<std::string>{"src/deep/y.proto", "src/x.proto"}))
      << "an include naming a directory takes its content";
  EXPECT_EQ(scan({"*.txt", "src/deep/*"}, {}), (std::vector<std::string>{"b.txt", "src/deep/y.proto", "src/deep/z.txt"}));
}

TEST_F(FileSetTest, SymlinkedFilesCountDirectoriesAreNotFollowed) {
  ASSERT_EQ(::symlink("a.proto", dir_.file("link.proto").c_str()), 0);
  ASSERT_EQ(::symlink(dir_.path().c_str(), dir_.file("src/loop").c_str()), 0);
  ASSERT_EQ(::symlink("missing", dir_.file("dangling.proto").c_str()), 0);
  EXPECT_EQ(scan({"*.proto", "src/**"}, {}),
            (std::vector<std::string>{"a.proto", "link.proto", "src/deep/y.proto", "src/deep/z.txt", "src/x.proto"}));
}

TEST_F(FileSetTest, SkipsTheCacheFile) {
  skip_ = "b.txt";
  auto paths = scan({"*.txt", "*.proto"}, {});
  EXPECT_EQ(paths, (std::vector<std::string>{"a.proto"}));
}

TEST_F(FileSetTest, MissingRootIsAnError) {
  FileSetSpec spec;
  spec.root = dir_.file("nope");
  EXPECT_FALSE(scan_files(spec).ok());
}

}  // namespace
}  // namespace zccache::fp
