#include "zccache/daemon/unit_output.h"

#include <gtest/gtest.h>

#include "zccache/protocol/unit_marker.h"

namespace zccache::daemon {
namespace {

using Parts = std::vector<std::string>;
const std::string kMark(protocol::kUnitMarker);

TEST(SplitUnitStderr, EmptyOutputIsEmptyForEverySource) {
  EXPECT_EQ(split_unit_stderr(tools::Family::kGcc, "", {"a.c", "b.c"}), Parts({"", ""}));
  EXPECT_EQ(split_unit_stderr(tools::Family::kGcc, kMark + kMark, {"a.c", "b.c"}), Parts({"", ""}));
  EXPECT_EQ(split_unit_stderr(tools::Family::kClang, "", {"a.c", "b.c"}), Parts({"", ""}));
}

TEST(SplitUnitStderr, GccPartsBetweenMarkers) {
  std::string a = "a.c: In function 'f':\na.c:2:3: warning: unused variable 'x'\n";
  std::string c = "In file included from c.c:1:\nh.h:1:2: warning: #warning w [-Wcpp]\n";
  EXPECT_EQ(split_unit_stderr(tools::Family::kGcc, kMark + a + kMark + kMark + c, {"a.c", "b.c", "c.c"}),
            Parts({a, "", c}));
  // Driver output before the first compiler proper belongs to no single source.
  EXPECT_FALSE(split_unit_stderr(tools::Family::kGcc, "gcc: warning: x\n" + kMark + a + kMark, {"a.c", "b.c"}));
  // A marker missing (the wrapper could not be passed): cannot split.
  EXPECT_FALSE(split_unit_stderr(tools::Family::kGcc, kMark + a, {"a.c", "b.c"}));
  EXPECT_FALSE(split_unit_stderr(tools::Family::kGcc, a, {"a.c", "b.c"}));
}

TEST(SplitUnitStderr, ClangPartsEndWithTheirSummary) {
  std::string a =
      "src/a.c:3:2: warning: one [-W#warnings]\n#warning one\n ^\n"
      "src/a.c:4:2: warning: two [-W#warnings]\n#warning two\n ^\n2 warnings generated.\n";
  std::string c =
      "In file included from src/c.c:1:\ninc/h.h:1:2: warning: w [-W#warnings]\n#warning w\n ^\n"
      "1 warning generated.\n";
  EXPECT_EQ(split_unit_stderr(tools::Family::kClang, a + c, {"src/a.c", "src/b.c", "src/c.c"}), Parts({a, "", c}));
  // Coloured output still splits.
  std::string colored = "\x1b[1msrc/b.c:1:2: \x1b[0m\x1b[0;1;35mwarning: \x1b[0mx\x1b[0m\n1 warning generated.\n";
  EXPECT_EQ(split_unit_stderr(tools::Family::kClang, colored, {"src/a.c", "src/b.c"}), Parts({"", colored}));
}

TEST(SplitUnitStderr, ClangRefusesWhatItCannotAttribute) {
  std::string a = "a.c:3:2: warning: one\n1 warning generated.\n";
  const Parts sources = {"a.c", "b.c"};
  // Lines no summary closes (-H output, a TU whose summary is suppressed).
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, ". /usr/include/stdio.h\n" + a, sources));
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, a + "b.c:1:1: warning: x\n", sources));
  // Two TUs' warnings under one summary: the count does not match.
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, "a.c:1:1: warning: x\n" + a, sources));
  // Out of order, unknown source, driver warnings, remarks, no final newline.
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, "b.c:1:1: warning: x\n1 warning generated.\n" + a, sources));
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, "z.c:1:1: warning: x\n1 warning generated.\n", sources));
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, "clang: warning: argument unused\n" + a, sources));
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, "a.c:1:1: remark: r\n" + a, sources));
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, a.substr(0, a.size() - 1), sources));
  // A source whose name is a prefix of another's is not confused with it.
  EXPECT_FALSE(split_unit_stderr(tools::Family::kClang, "a.cc:1:1: warning: x\n1 warning generated.\n", sources));
}

TEST(StripUnitMarkers, RemovesEveryMarker) {
  EXPECT_EQ(protocol::strip_unit_markers(kMark + "x\n" + kMark + kMark + "y\n"), "x\ny\n");
  EXPECT_EQ(protocol::strip_unit_markers("plain\n"), "plain\n");
}

}  // namespace
}  // namespace zccache::daemon
