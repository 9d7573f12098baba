#include "zccache/daemon/include_set.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "zccache/os/file_info.h"

namespace zccache::daemon {
namespace {

class IncludeSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_incset_XXXXXX";
    dir_ = mkdtemp(tmpl);
    mkdir((dir_ + "/first").c_str(), 0755);
    mkdir((dir_ + "/second").c_str(), 0755);
    write("a.c", "#include \"x.h\"\n");
    write("second/x.h", "int x;\n");
    usleep(30000);
    start_ = os::now_realtime_ns();
    dirs_.angle = {"first", "second", "/usr/include"};
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void write(const std::string& rel, const std::string& content) { std::ofstream(dir_ + "/" + rel) << content; }

  std::string dir_;
  int64_t start_ = 0;
  SearchDirs dirs_;
  fscache::MetadataCache files_;
  fscache::DirectoryCache listings_;
};

TEST_F(IncludeSetTest, MatchesUntilAHeaderChanges) {
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok()) << built.error().message;
  ASSERT_EQ(built->refused, tools::Passthrough::kNone);
  EXPECT_EQ(built->set.files.size(), 2u);
  EXPECT_TRUE(include_set_matches(built->set, dir_, files_, listings_));
  write("second/x.h", "int y;\n");
  EXPECT_FALSE(include_set_matches(built->set, dir_, files_, listings_));
}

TEST_F(IncludeSetTest, ShadowingHeaderEarlierInThePathBreaksTheMatch) {
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok());
  EXPECT_TRUE(include_set_matches(built->set, dir_, files_, listings_));
  write("first/x.h", "int shadow;\n");
  EXPECT_FALSE(include_set_matches(built->set, dir_, files_, listings_));
}

TEST_F(IncludeSetTest, HeaderInALaterDirectoryDoesNotMatter) {
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok());
  write("unrelated.txt", "x");
  EXPECT_TRUE(include_set_matches(built->set, dir_, files_, listings_));
}

TEST_F(IncludeSetTest, HasIncludeProbeIsRecorded) {
  write("a.c", "#if __has_include(<probe.h>)\n#endif\n");
  usleep(30000);
  start_ = os::now_realtime_ns();
  auto built = build_include_set({"a.c"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok());
  EXPECT_TRUE(include_set_matches(built->set, dir_, files_, listings_));
  write("second/probe.h", "");
  EXPECT_FALSE(include_set_matches(built->set, dir_, files_, listings_));
}

TEST_F(IncludeSetTest, FileChangedAfterCompileStartIsTooNew) {
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, os::now_realtime_ns() - 1'000'000'000, false,
                                 files_, listings_);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->refused, tools::Passthrough::kTooNew);
}

// A shadowing header that appears while the compile runs (after it searched) must not be
// recorded as part of the state the compile saw.
TEST_F(IncludeSetTest, ShadowCreatedDuringTheCompileIsTooNew) {
  write("first/x.h", "int shadow;\n");
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->refused, tools::Passthrough::kTooNew);
}

TEST_F(IncludeSetTest, OutputDirectoryChangingDuringTheCompileIsFine) {
  write("a.o", "object");  // the compile writes its object beside the source
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_, {dir_});
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->refused, tools::Passthrough::kNone);
}

TEST_F(IncludeSetTest, TimeMacrosRefusedWithoutSourceDateEpoch) {
  write("second/x.h", "const char* t = __TIME__;\n");
  usleep(30000);
  start_ = os::now_realtime_ns();
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->refused, tools::Passthrough::kDateTime);
  auto allowed = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, true, files_, listings_);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->refused, tools::Passthrough::kNone);
}

TEST_F(IncludeSetTest, DeletedHeaderBreaksTheMatch) {
  auto built = build_include_set({"a.c", "second/x.h"}, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(built.ok());
  unlink((dir_ + "/second/x.h").c_str());
  EXPECT_FALSE(include_set_matches(built->set, dir_, files_, listings_));
}

}  // namespace
}  // namespace zccache::daemon
