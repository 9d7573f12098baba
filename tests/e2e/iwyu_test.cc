// include-what-you-use through zccache: a warm run replays the bare run's report and exit code
// byte for byte (IWYU's own exit codes, --error included); an edited header and an edited mapping
// file are misses. Skipped when include-what-you-use is not installed.
#include <memory>
#include <string>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

class Iwyu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_in_path("include-what-you-use").empty()) GTEST_SKIP() << "include-what-you-use not installed";
    sb_ = std::make_unique<Sandbox>();
    sb().write("inc/util.h", "#pragma once\ninline int twice(int v) { return v * 2; }\n");
    sb().write("a.cpp", "#include \"util.h\"\n#include <vector>\nint f() { return twice(3); }\n");
    sb().write("map.imp", "[\n  { include: [\"<vector>\", \"public\", \"\\\"util.h\\\"\", \"public\"] }\n]\n");
  }
  Sandbox& sb() { return *sb_; }

  RunResult iwyu(bool cached, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"include-what-you-use"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (cached) argv.insert(argv.begin(), sb().zccache_bin());
    return sb().run(argv);
  }
  RunResult same_as_bare(const std::vector<std::string>& args) {
    RunResult bare = iwyu(false, args);
    RunResult cached = iwyu(true, args);
    EXPECT_EQ(bare.exit_code, cached.exit_code) << cached.describe();
    EXPECT_EQ(bare.out, cached.out);
    EXPECT_EQ(bare.err, cached.err);
    return cached;
  }
  std::unique_ptr<Sandbox> sb_;
};

TEST_F(Iwyu, WarmRunReplaysTheReportAndExitCode) {
  std::vector<std::string> args{"-Xiwyu", "--error=3", "-std=c++17", "-Iinc", "-c", "a.cpp"};
  RunResult first = same_as_bare(args);
  EXPECT_EQ(first.exit_code, 3) << first.describe();
  EXPECT_NE(first.err.find("should remove these lines"), std::string::npos) << first.describe();
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  same_as_bare(args);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 1u);
}

TEST_F(Iwyu, EditedHeaderAndMappingFileAreMisses) {
  std::vector<std::string> args{"-Xiwyu", "--mapping_file=map.imp", "-std=c++17", "-Iinc", "-c", "a.cpp"};
  same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  sb().write("inc/util.h", "#pragma once\n#include <vector>\ninline int twice(int v) { return v * 2; }\n");
  same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(2)) << sb().counters().describe();
  sb().write("map.imp", "[\n]\n");
  same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();
  same_as_bare(args);
  Counters c = sb().counters();
  EXPECT_EQ(c.misses, 3u) << c.describe();
  EXPECT_EQ(c.hits, 1u);
}

}  // namespace
}  // namespace zccache::e2e
