#include "zccache/fp/glob.h"

#include <gtest/gtest.h>

namespace zccache::fp {
namespace {

TEST(MatchSegment, StarQuestionAndLiterals) {
  EXPECT_TRUE(match_segment("*.c", "a.c"));
  EXPECT_TRUE(match_segment("*.c", ".c"));
  EXPECT_TRUE(match_segment("*.c", ".hidden.c")) << "no hidden-file rule";
  EXPECT_FALSE(match_segment("*.c", "a.cc"));
  EXPECT_TRUE(match_segment("a?c", "abc"));
  EXPECT_FALSE(match_segment("a?c", "ac"));
  EXPECT_TRUE(match_segment("*", ""));
  EXPECT_TRUE(match_segment("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(match_segment("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(match_segment("**", "anything"));
  EXPECT_TRUE(match_segment("exact", "exact"));
  EXPECT_FALSE(match_segment("exact", "exactly"));
  EXPECT_TRUE(match_segment("\\*", "*"));
  EXPECT_FALSE(match_segment("\\*", "x"));
  EXPECT_TRUE(match_segment("a\\?", "a?"));
  EXPECT_FALSE(match_segment("a\\?", "ab"));
}

TEST(Glob, AnchoredAtTheRoot) {
  Glob g("*.c");
  EXPECT_TRUE(g.matches("a.c"));
  EXPECT_FALSE(g.matches("src/a.c")) << "* does not cross '/'";
  EXPECT_TRUE(Glob("src/*.c").matches("src/a.c"));
  EXPECT_FALSE(Glob("src/*.c").matches("src/sub/a.c"));
  EXPECT_TRUE(Glob("./src//a.c/").matches("src/a.c")) << "normalised";
}

TEST(Glob, GlobstarMatchesAnyDepthIncludingNone) {
  Glob g("**/*.proto");
  EXPECT_TRUE(g.matches("a.proto"));
  EXPECT_TRUE(g.matches("x/a.proto"));
  EXPECT_TRUE(g.matches("x/y/z/a.proto"));
  EXPECT_FALSE(g.matches("x/y/a.protox"));
  Glob mid("src/**/gen/*.h");
  EXPECT_TRUE(mid.matches("src/gen/a.h"));
  EXPECT_TRUE(mid.matches("src/a/b/gen/a.h"));
  EXPECT_FALSE(mid.matches("src/a/b/gen/x/a.h"));
  EXPECT_FALSE(mid.matches("lib/gen/a.h"));
  EXPECT_TRUE(Glob("**").matches("any/thing"));
  EXPECT_TRUE(Glob("a/**/**/b").matches("a/b"));
}

TEST(Glob, TrailingGlobstarMeansEverythingBelow) {
  Glob g("build/**");
  EXPECT_TRUE(g.matches("build/a.o"));
  EXPECT_TRUE(g.matches("build/x/y.o"));
  EXPECT_FALSE(g.matches("build")) << "the directory itself is not below itself";
  EXPECT_FALSE(g.matches("builds/a.o"));
}

TEST(Glob, DirectoryQuestionsForPruning) {
  Glob inc("src/**/*.proto");
  EXPECT_TRUE(inc.may_match_below(""));
  EXPECT_TRUE(inc.may_match_below("src"));
  EXPECT_TRUE(inc.may_match_below("src/a/b"));
  EXPECT_FALSE(inc.may_match_below("docs"));
  EXPECT_FALSE(inc.matches_all_below("src"));

  Glob ex("build/**");
  EXPECT_TRUE(ex.matches_all_below("build"));
  EXPECT_TRUE(ex.matches_all_below("build/sub"));
  EXPECT_FALSE(ex.matches_all_below("src"));
  EXPECT_FALSE(ex.matches_all_below(""));

  Glob dir("third_party");
  EXPECT_TRUE(dir.matches_all_below("third_party")) << "a pattern naming a directory covers its content";
  EXPECT_FALSE(dir.may_match_below("src"));
  Glob leaf("*.c");
  EXPECT_TRUE(leaf.may_match_below(""));
  EXPECT_FALSE(leaf.may_match_below("src"));
}

}  // namespace
}  // namespace zccache::fp
