#include "zccache/os/path.h"

#include <gtest/gtest.h>

namespace zccache::os {

TEST(Path, DirnameBasename) {
  EXPECT_EQ(dirname_of("a/b/c.h"), "a/b");
  EXPECT_EQ(dirname_of("c.h"), ".");
  EXPECT_EQ(dirname_of("/c.h"), "/");
  EXPECT_EQ(basename_of("a/b/c.h"), "c.h");
  EXPECT_EQ(basename_of("c.h"), "c.h");
}

TEST(Path, AbsoluteFrom) {
  EXPECT_EQ(absolute_from("/w", "a.c"), "/w/a.c");
  EXPECT_EQ(absolute_from("/w/", "../a.c"), "/w/../a.c");
  EXPECT_EQ(absolute_from("/w", "/x/a.c"), "/x/a.c");
}

}  // namespace zccache::os
