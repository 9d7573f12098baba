// The scripts that drive clang-tidy and include-what-you-use over a compilation database call the
// tool once per file: run-clang-tidy the -clang-tidy-binary it is given, iwyu_tool the IWYU_BINARY
// of its environment (else the one beside itself, by real path, so PATH cannot redirect it).
// Through a zccache symlink named like the tool, a second run is all hits and prints what the
// bare run printed. Skipped when the scripts are not installed.
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

class ToolDrivers : public ::testing::Test {
 protected:
  void SetUp() override {
    sb_ = std::make_unique<Sandbox>();
    sb().write("src/inc/util.h", "#pragma once\ninline int twice(int v) { return v * 2; }\n");
    sb().write("src/a.cpp", "#include \"util.h\"\n#include <vector>\nint f() { int x = twice(3); return x; }\n");
    sb().write("src/b.cpp", "#include \"util.h\"\n#include <string>\nint g() { int y = twice(4); return y; }\n");
    std::string entries;
    for (const char* file : {"a.cpp", "b.cpp"}) {
      if (!entries.empty()) entries += ",\n";
      entries += "{\"directory\": \"" + sb().work() + "/src\", \"file\": \"" + file +
                 "\", \"arguments\": [\"clang++\", \"-std=c++17\", \"-Iinc\", \"-c\", \"" + file + "\"]}";
    }
    sb().write("build/compile_commands.json", "[" + entries + "]\n");
  }
  Sandbox& sb() { return *sb_; }
  // A symlink named `tool` to zccache in masq/, which then caches the next `tool` in PATH.
  std::string masquerade(const std::string& tool) {
    sb().make_dir("masq");
    std::string link = sb().path("masq/" + tool);
    if (::access(link.c_str(), F_OK) != 0) {
      EXPECT_EQ(::symlink(sb().zccache_bin().c_str(), link.c_str()), 0);
    }
    return link;
  }
  // The lines of `text` that contain `needle`, sorted (the scripts may print files in any order).
  static std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.find(needle) != std::string::npos) out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::unique_ptr<Sandbox> sb_;
};

TEST_F(ToolDrivers, RunClangTidyThroughASymlinkHitsOnTheSecondRun) {
  std::string script = find_in_path("run-clang-tidy");
  std::string tidy = find_in_path("clang-tidy");
  if (script.empty() || tidy.empty()) GTEST_SKIP() << "run-clang-tidy or clang-tidy not installed";
  auto run = [&](const std::string& binary) {
    return sb().run({script, "-clang-tidy-binary", binary, "-p", "build", "-j", "1", "-quiet",
                     "-checks=-*,readability-identifier-length"});
  };
  RunResult bare = run(tidy);
  ASSERT_EQ(lines_with(bare.out, "warning:").size(), 2u) << bare.describe();
  std::string link = masquerade("clang-tidy");
  RunResult first = run(link);
  EXPECT_EQ(first.exit_code, bare.exit_code) << first.describe();
  EXPECT_EQ(lines_with(first.out, "warning:"), lines_with(bare.out, "warning:"));
  ASSERT_TRUE(sb().wait_for_stored(2)) << sb().counters().describe();
  RunResult second = run(link);
  EXPECT_EQ(second.exit_code, bare.exit_code) << second.describe();
  EXPECT_EQ(lines_with(second.out, "warning:"), lines_with(bare.out, "warning:"));
  EXPECT_EQ(sb().counters().hits, 2u) << sb().counters().describe();
}

TEST_F(ToolDrivers, IwyuToolThroughIwyuBinaryHitsOnTheSecondRun) {
  std::string script = find_in_path("iwyu_tool");
  if (script.empty()) script = find_in_path("iwyu_tool.py");
  if (script.empty() || find_in_path("include-what-you-use").empty()) GTEST_SKIP() << "iwyu_tool not installed";
  std::string link = masquerade("include-what-you-use");
  auto run = [&](bool cached) {
    RunOptions opts;
    if (cached) opts.env["IWYU_BINARY"] = link;
    return sb().run({script, "-j", "1", "-p", "build"}, opts);
  };
  RunResult bare = run(false);
  ASSERT_NE(bare.out.find("should remove these lines"), std::string::npos) << bare.describe();
  RunResult first = run(true);
  EXPECT_EQ(first.exit_code, bare.exit_code) << first.describe();
  EXPECT_EQ(first.out, bare.out);
  ASSERT_TRUE(sb().wait_for_stored(2)) << sb().counters().describe();
  RunResult second = run(true);
  EXPECT_EQ(second.exit_code, bare.exit_code) << second.describe();
  EXPECT_EQ(second.out, bare.out);
  EXPECT_EQ(sb().counters().hits, 2u) << sb().counters().describe();
}

}  // namespace
}  // namespace zccache::e2e
