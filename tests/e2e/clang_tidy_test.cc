// clang-tidy through zccache: a warm run replays the bare run's stdout, stderr and exit code byte
// for byte; a header the source includes, a .clang-tidy in a parent directory, the checks and the
// compilation database's flags are part of the key; runs that write files pass through. Skipped
// when clang-tidy is not installed.
#include <memory>
#include <string>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

class ClangTidy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_in_path("clang-tidy").empty()) GTEST_SKIP() << "clang-tidy not installed";
    sb_ = std::make_unique<Sandbox>();
    sb().write("src/inc/util.h", "#pragma once\ninline int twice(int v) { return v * 2; }\n");
    // readability-identifier-length warns about `x`; under -DBAD a second warning appears.
    sb().write("src/a.cpp",
               "#include \"util.h\"\n#include <vector>\nint f() { int x = twice(3); return x; }\n"
               "#ifdef BAD\nint g() { int y = 1; return y; }\n#endif\n");
    sb().write("src/clean.cpp", "#include \"util.h\"\nint h() { return twice(4); }\n");
  }
  Sandbox& sb() { return *sb_; }

  RunResult tidy(bool cached, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"clang-tidy"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (cached) argv.insert(argv.begin(), sb().zccache_bin());
    return sb().run(argv);
  }
  // A bare run, then the same through zccache: the same exit code, stdout and stderr.
  RunResult same_as_bare(const std::vector<std::string>& args) {
    RunResult bare = tidy(false, args);
    RunResult cached = tidy(true, args);
    EXPECT_EQ(bare.exit_code, cached.exit_code) << cached.describe();
    EXPECT_EQ(bare.out, cached.out);
    EXPECT_EQ(bare.err, cached.err);
    return cached;
  }
  static std::vector<std::string> fixed(const std::string& checks = "--checks=-*,readability-identifier-length",
                                        const std::string& source = "src/a.cpp") {
    return {checks, source, "--", "-std=c++17", "-Isrc/inc"};
  }

  std::unique_ptr<Sandbox> sb_;
};

TEST_F(ClangTidy, WarmRunReplaysWarningsAndExitCode) {
  RunResult first = same_as_bare(fixed());
  EXPECT_NE(first.out.find("[readability-identifier-length]"), std::string::npos) << first.describe();
  EXPECT_NE(first.err.find(" generated."), std::string::npos) << first.describe();
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  same_as_bare(fixed());
  // Warnings as errors: exit code 1 is a result too, cached and replayed.
  std::vector<std::string> werror = fixed();
  werror.insert(werror.begin(), "--warnings-as-errors=*");
  RunResult failing = same_as_bare(werror);
  EXPECT_EQ(failing.exit_code, 1) << failing.describe();
  ASSERT_TRUE(sb().wait_for_stored(2)) << sb().counters().describe();
  same_as_bare(werror);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();
  EXPECT_EQ(c.misses, 2u);
}

TEST_F(ClangTidy, SourceWithoutWarnings) {
  auto args = fixed("--checks=-*,readability-identifier-length", "src/clean.cpp");
  RunResult first = same_as_bare(args);
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_EQ(first.out, "");
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  same_as_bare(args);
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
}

TEST_F(ClangTidy, EditedHeaderIsAMiss) {
  RunResult first = same_as_bare(fixed());
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  sb().write("src/inc/util.h", "#pragma once\ninline int twice(int q) { int z = q; return z * 2; }\n");
  RunResult edited = same_as_bare(fixed());
  // The header's new warning is counted (and suppressed: no --header-filter).
  EXPECT_NE(edited.err, first.err) << edited.describe();
  Counters c = sb().counters();
  EXPECT_EQ(c.misses, 2u) << c.describe();
  EXPECT_EQ(c.hits, 0u);
}

TEST_F(ClangTidy, ConfigFileInAParentDirectoryIsPartOfTheKey) {
  std::vector<std::string> args{"src/a.cpp", "--", "-std=c++17", "-Isrc/inc"};  // checks from .clang-tidy
  sb().write(".clang-tidy", "Checks: '-*,readability-identifier-length'\n");
  same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  same_as_bare(args);
  sb().write(".clang-tidy", "Checks: '-*,readability-identifier-length'\nWarningsAsErrors: '*'\n");
  RunResult changed = same_as_bare(args);
  EXPECT_EQ(changed.exit_code, 1) << changed.describe();
  // A new one closer to the source.
  sb().write("src/.clang-tidy", "Checks: '-*,misc-definitions-in-headers'\n");
  same_as_bare(args);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 3u);
}

TEST_F(ClangTidy, ChecksArePartOfTheKey) {
  same_as_bare(fixed());
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  RunResult other = same_as_bare(fixed("--checks=-*,misc-definitions-in-headers"));
  EXPECT_EQ(other.out, "");
  Counters c = sb().counters();
  EXPECT_EQ(c.misses, 2u) << c.describe();
  EXPECT_EQ(c.hits, 0u);
}

TEST_F(ClangTidy, CompilationDatabaseFlagsArePartOfTheKey) {
  auto database = [&](const std::string& define) {
    sb().write("build/compile_commands.json",
               "[{\"directory\": \"" + sb().work() + "/src\", \"file\": \"a.cpp\", \"arguments\": [\"clang++\", "
               "\"-std=c++17\", \"-Iinc\", " + define + "\"-c\", \"a.cpp\"]}]\n");
  };
  std::vector<std::string> args{"-p", "build", "--checks=-*,readability-identifier-length", "src/a.cpp"};
  database("");
  same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  same_as_bare(args);
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  database("\"-DBAD\", ");
  RunResult bad = same_as_bare(args);
  EXPECT_NE(bad.out.find("'y'"), std::string::npos) << bad.describe();
  ASSERT_TRUE(sb().wait_for_stored(2)) << sb().counters().describe();
  // The header, found through the entry's relative -Iinc from its directory, is in the set.
  sb().write("src/inc/util.h", "#pragma once\ninline int twice(int q) { return q + q; }\n");
  same_as_bare(args);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 3u);
}

TEST_F(ClangTidy, RunsThatWriteFilesPassThrough) {
  sb().write("fixme.cpp", "int main() { int *p = 0; return p == 0 ? 0 : 1; }\n");
  RunResult fix = sb().zccache({"clang-tidy", "-fix", "--checks=-*,modernize-use-nullptr", "fixme.cpp", "--"});
  EXPECT_EQ(fix.exit_code, 0) << fix.describe();
  EXPECT_NE(sb().read("fixme.cpp").value_or("").find("nullptr"), std::string::npos);  // it ran and fixed
  (void)sb().zccache({"clang-tidy", "--checks=-*,modernize-use-nullptr", "fixme.cpp", "src/a.cpp", "--"});
  Counters c = sb().counters();
  EXPECT_EQ(c.pass("tidy_writes_files"), 1u) << c.describe();
  EXPECT_EQ(c.pass("multiple_sources"), 1u);
  EXPECT_EQ(c.hits + c.misses, 0u);
}

}  // namespace
}  // namespace zccache::e2e
