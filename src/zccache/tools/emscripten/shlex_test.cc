#include "zccache/tools/emscripten/shlex.h"

#include <gtest/gtest.h>

namespace zccache::tools::emscripten {
namespace {

using Strings = std::vector<std::string>;

// Expected values from CPython 3.11's shlex.split.
TEST(Shlex, SplitsLikePythonPosixMode) {
  EXPECT_EQ(*shlex_split("a b\tc\n d"), (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(*shlex_split("a\\ b"), (Strings{"a b"}));
  EXPECT_EQ(*shlex_split("\"a \\\" \\x\""), (Strings{"a \" \\x"}));
  EXPECT_EQ(*shlex_split("'x\\y'"), (Strings{"x\\y"}));
  EXPECT_EQ(*shlex_split("\"\""), (Strings{""}));
  EXPECT_EQ(*shlex_split("a\"b\"c"), (Strings{"abc"}));
  EXPECT_EQ(*shlex_split(" -DX=\"1 2\" "), (Strings{"-DX=1 2"}));
  EXPECT_EQ(*shlex_split(""), Strings{});
}

TEST(Shlex, RefusesWhatPythonRaisesOn) {
  EXPECT_FALSE(shlex_split("\"open"));
  EXPECT_FALSE(shlex_split("'open"));
  EXPECT_FALSE(shlex_split("trailing\\"));
}

}  // namespace
}  // namespace zccache::tools::emscripten
