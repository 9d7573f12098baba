// zccache-fp, the fingerprint CLI: check / mark-success / mark-failure cycles on a real tree.
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

class Fp : public ::testing::Test {
 protected:
  void SetUp() override {
    sb_ = std::make_unique<Sandbox>();
    sb().write("proto/a.proto", "message A {}\n");
    sb().write("proto/sub/b.proto", "message B {}\n");
    sb().write("proto/notes.txt", "not an input\n");
    sb().write("proto/build/gen.proto", "generated, excluded\n");
  }
  Sandbox& sb() { return *sb_; }

  RunResult fp(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{bin_dir() + "/zccache-fp", "--cache-file", sb().path(cache_), command};
    if (command != "mark-failure") {
      for (const char* a : {"--root", "proto", "--include", "**/*.proto", "--exclude", "build/**"}) argv.push_back(a);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return sb().run(argv);
  }
  void expect_unchanged() {
    RunResult r = fp("check");
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "");
  }
  void expect_changed(const std::string& lines) {
    RunResult r = fp("check");
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_EQ(r.out, lines);
  }
  void mark_success() {
    RunResult r = fp("mark-success");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  std::string cache_ = "fp/state";
  std::unique_ptr<Sandbox> sb_;
};

TEST_F(Fp, CheckMarkCyclesReportAddedRemovedAndModifiedFiles) {
  expect_changed("no recorded success\n");
  mark_success();
  expect_unchanged();
  expect_unchanged();

  sb().write("proto/a.proto", "message A { int32 x = 1; }\n");
  expect_changed("modified a.proto\n");
  expect_changed("modified a.proto\n");  // check does not record success
  mark_success();
  expect_unchanged();

  sb().write("proto/sub/c.proto", "message C {}\n");
  sb().remove("proto/sub/b.proto");
  expect_changed("removed sub/b.proto\nadded sub/c.proto\n");
  mark_success();
  expect_unchanged();

  ASSERT_EQ(fp("mark-failure").exit_code, 0);
  expect_changed("no recorded success\n");
  mark_success();
  expect_unchanged();
}

TEST_F(Fp, FilesOutsideTheSelectionDoNotCount) {
  mark_success();
  sb().write("proto/notes.txt", "edited\n");
  sb().write("proto/build/gen.proto", "regenerated\n");
  sb().write("elsewhere.proto", "outside the root\n");
  expect_unchanged();
}

TEST_F(Fp, SameSizeEditWithRestoredMtimeIsSeen) {
  // Written "now" (not backdated), then rewritten with the same size and its mtime put back:
  // ctime (and the racy-timestamp rule, see fingerprint.h) still reveal the edit.
  std::string path = sb().path("proto/a.proto");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("message A {}\n", f);
  std::fclose(f);
  mark_success();
  struct timespec mtime = sb().mtime("proto/a.proto");
  f = std::fopen(path.c_str(), "w");
  std::fputs("message Z {}\n", f);
  std::fclose(f);
  sb().set_mtime_exact("proto/a.proto", mtime);
  expect_changed("modified a.proto\n");
}

TEST_F(Fp, DifferentArgumentsDoNotReuseASuccess) {
  mark_success();
  RunResult r = fp("check", {"--include", "**/*.txt"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out.rfind("arguments differ from the last mark-success\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("added notes.txt"), std::string::npos) << r.out;
}

TEST_F(Fp, CacheFileInsideTheRootIsIgnored) {
  cache_ = "proto/.fp/state.proto";  // matches the include glob
  mark_success();
  expect_unchanged();
  mark_success();  // rewrites the cache file: still no change
  expect_unchanged();
}

TEST_F(Fp, CorruptCacheFileMeansChanged) {
  mark_success();
  sb().write(cache_, "garbage");
  expect_changed("no recorded success (the cache file is unreadable)\n");
  mark_success();
  expect_unchanged();
}

TEST_F(Fp, BadUsageExitsTwoWithOneLine) {
  std::string bin = bin_dir() + "/zccache-fp";
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {bin, "check", "--root", "proto"},
           {bin, "--cache-file", "s", "--root", "proto"},
           {bin, "--cache-file", "s", "check", "--bogus"},
           {bin, "--cache-file", "s", "check", "--root"},
           {bin, "--cache-file", "s", "check", "mark-success"},
           {bin, "--cache-file", "s", "check", "--root", "no-such-dir"}}) {
    RunResult r = sb().run(argv);
    EXPECT_EQ(r.exit_code, 2) << argv[1] << " " << argv[2] << ": " << r.describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("zccache-fp: ", 0), 0u) << r.err;
  }
  RunResult help = sb().run({bin, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage"), std::string::npos);
}

}  // namespace
}  // namespace zccache::e2e
