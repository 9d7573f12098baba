#include "zccache/daemon/include_set.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "zccache/hash/hasher.h"
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

// The record runs after the client's StoreReply, off the build's path: by then the build may have
// gone on and another tree been moved in at the same path, with files older than the compile
// (rsync -a, tar x, a renamed directory). The stats taken right after the compile tell.
TEST_F(IncludeSetTest, AFileReplacedAfterTheCompileWithAnOlderOneRefusesTheSet) {
  for (const char* d : {"tree", "tree/inc", "other", "other/inc"}) ASSERT_EQ(::mkdir((dir_ + "/" + d).c_str(), 0755), 0);
  write("tree/inc/y.h", "int original;\n");
  write("other/inc/y.h", "int replaced;\n");  // another tree's header, as old as this one
  usleep(30000);
  start_ = os::now_realtime_ns();
  const std::vector<std::string> deps = {"a.c", "tree/inc/y.h"};
  CompileEndStats then;
  for (const auto& p : deps) then.stats[dir_ + "/" + p] = *os::stat_path(dir_ + "/" + p);
  auto same = build_include_set(deps, dirs_, dir_, start_, false, files_, listings_, {}, nullptr, &then);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->refused, tools::Passthrough::kNone);

  // The compile is over; the build goes on and moves the other tree in: its directories and files
  // keep their times, only the moved directory's own entry is new.
  ASSERT_EQ(::rename((dir_ + "/tree").c_str(), (dir_ + "/gone").c_str()), 0);
  ASSERT_EQ(::rename((dir_ + "/other").c_str(), (dir_ + "/tree").c_str()), 0);
  files_.clear();
  listings_.clear();
  auto without = build_include_set(deps, dirs_, dir_, start_, false, files_, listings_);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->refused, tools::Passthrough::kNone) << "the start-time checks alone cannot see it";
  auto replaced = build_include_set(deps, dirs_, dir_, start_, false, files_, listings_, {}, nullptr, &then);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->refused, tools::Passthrough::kTooNew);
}

// -MMD: the stats at the compile's end cover the project's files only; record()'s scan adds the
// system headers, which are not compared, but every file the compile read must be among them.
TEST_F(IncludeSetTest, PartialCompileEndStatsCompareWhatTheyHaveAndMustAllBeMet) {
  write("first/y.h", "int y;\n");
  usleep(30000);
  start_ = os::now_realtime_ns();
  CompileEndStats user_depfile;
  user_depfile.complete = false;
  user_depfile.stats[dir_ + "/a.c"] = *os::stat_path(dir_ + "/a.c");
  const std::vector<std::string> scanned = {"a.c", "second/x.h"};  // x.h: a "system" header of the scan
  auto partial = build_include_set(scanned, dirs_, dir_, start_, false, files_, listings_, {}, nullptr, &user_depfile);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->refused, tools::Passthrough::kNone) << "a file the stats do not have is not compared";
  user_depfile.complete = true;
  auto complete = build_include_set(scanned, dirs_, dir_, start_, false, files_, listings_, {}, nullptr, &user_depfile);
  ASSERT_TRUE(complete.ok());
  EXPECT_EQ(complete->refused, tools::Passthrough::kTooNew) << "complete stats must have every file";

  user_depfile.complete = false;
  user_depfile.stats[dir_ + "/first/y.h"] = *os::stat_path(dir_ + "/first/y.h");  // the compile read it
  auto unmet = build_include_set(scanned, dirs_, dir_, start_, false, files_, listings_, {}, nullptr, &user_depfile);
  ASSERT_TRUE(unmet.ok());
  EXPECT_EQ(unmet->refused, tools::Passthrough::kTooNew) << "the scan met another tree";
  EXPECT_EQ(unmet->detail, dir_ + "/first/y.h");
}

TEST_F(IncludeSetTest, RecentFileIsAcceptedOnlyWithTheContentHashedBeforeTheStart) {
  write("gen.rs", "pub const A: u8 = 1;\n");  // written a moment ago, as by a build script
  std::string abs = dir_ + "/gen.rs";
  auto refused = build_include_set({"gen.rs"}, SearchDirs{}, dir_, start_ - 1, true, files_, listings_);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->refused, tools::Passthrough::kTooNew);

  std::map<std::string, hash::Digest> settled{{abs, hash::hash_bytes("pub const A: u8 = 1;\n")}};
  auto accepted = build_include_set({"gen.rs"}, SearchDirs{}, dir_, start_ - 1, true, files_, listings_, {}, &settled);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->refused, tools::Passthrough::kNone);
  ASSERT_EQ(accepted->set.files.size(), 1u);

  settled[abs] = hash::hash_bytes("pub const A: u8 = 0;\n");  // it changed after being hashed
  auto changed = build_include_set({"gen.rs"}, SearchDirs{}, dir_, start_ - 1, true, files_, listings_, {}, &settled);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->refused, tools::Passthrough::kTooNew);
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

namespace zccache::daemon {
namespace {

store::IncludeSet set_of(std::vector<store::FileDigest> files, std::vector<store::DirState> dirs) {
  store::IncludeSet set;
  set.files = std::move(files);
  set.dirs = std::move(dirs);
  return set;
}

TEST(MergeIncludeSets, KeepsEachFileAndDirectoryOnce) {
  hash::Digest h1 = hash::hash_bytes("one"), h2 = hash::hash_bytes("two"), hs = hash::hash_bytes("shared");
  auto a = set_of({{"a.c", h1}, {"/usr/include/stdio.h", hs}}, {{"inc", true, 5, {"x.h"}, {"y.h"}}});
  auto b = set_of({{"b.c", h2}, {"/usr/include/stdio.h", hs}}, {{"inc", true, 6, {"z.h"}, {"y.h"}}});
  auto merged = merge_include_sets({a, b});
  ASSERT_TRUE(merged.has_value());
  ASSERT_EQ(merged->files.size(), 3u);
  EXPECT_EQ(merged->files[0].path, "a.c");
  EXPECT_EQ(merged->files[2].path, "b.c");
  ASSERT_EQ(merged->dirs.size(), 1u);
  EXPECT_EQ(merged->dirs[0].mtime_ns, 0) << "different recorded mtimes: the names must decide";
  EXPECT_EQ(merged->dirs[0].absent.names(), (std::vector<std::string>{"x.h", "z.h"}));
  EXPECT_EQ(merged->dirs[0].present.names(), (std::vector<std::string>{"y.h"}));
}

TEST(MergeIncludeSets, RefusesContradictions) {
  hash::Digest h1 = hash::hash_bytes("one"), h2 = hash::hash_bytes("two");
  auto a = set_of({{"h.h", h1}}, {});
  auto b = set_of({{"h.h", h2}}, {});
  EXPECT_FALSE(merge_include_sets({a, b}).has_value());
  auto c = set_of({}, {{"inc", true, 5, {"x.h"}, {}}});
  auto d = set_of({}, {{"inc", true, 5, {}, {"x.h"}}});
  EXPECT_FALSE(merge_include_sets({c, d}).has_value());
  auto e = set_of({}, {{"inc", false, 0, {"x.h"}, {}}});
  EXPECT_FALSE(merge_include_sets({c, e}).has_value());
}

}  // namespace
}  // namespace zccache::daemon
