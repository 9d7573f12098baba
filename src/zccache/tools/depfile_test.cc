#include "zccache/tools/depfile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zccache::tools {
namespace {

using Strings = std::vector<std::string>;

TEST(ParseDepfile, SimpleRule) {
  auto d = parse_depfile("a.o: a.c a.h b.h\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->targets, Strings({"a.o"}));
  EXPECT_EQ(d->deps, Strings({"a.c", "a.h", "b.h"}));
  EXPECT_EQ(d->dep_paths, Strings({"a.c", "a.h", "b.h"}));
  EXPECT_FALSE(d->phony_targets);
}

TEST(ParseDepfile, ContinuationLinesJoinTheRule) {
  auto d = parse_depfile("x/a.o: a.c \\\n a.h \\\n  b.h\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->deps, Strings({"a.c", "a.h", "b.h"}));
}

TEST(ParseDepfile, CrlfContinuation) {
  auto d = parse_depfile("a.o: a.c \\\r\n a.h\r\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->deps, Strings({"a.c", "a.h"}));
}

TEST(ParseDepfile, EscapesAreKeptAndUndone) {
  auto d = parse_depfile("o\\ dir$$\\#x.o: s.c inc\\ dir/sp\\ ace.h we$$ird/d$$ollar.h ha\\#sh/h\\#ash.h\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->targets, Strings({"o\\ dir$$\\#x.o"}));
  EXPECT_EQ(d->deps, Strings({"s.c", "inc\\ dir/sp\\ ace.h", "we$$ird/d$$ollar.h", "ha\\#sh/h\\#ash.h"}));
  EXPECT_EQ(d->dep_paths, Strings({"s.c", "inc dir/sp ace.h", "we$ird/d$ollar.h", "ha#sh/h#ash.h"}));
}

TEST(ParseDepfile, BackslashRunsBeforeSpace) {
  // "a\ b" (one backslash, then a space in the name) is written as three backslashes and a space.
  auto d = parse_depfile("t.o: a\\\\\\ b c\\d.h\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->deps, Strings({"a\\\\\\ b", "c\\d.h"}));
  EXPECT_EQ(d->dep_paths, Strings({"a\\ b", "c\\d.h"}));
}

TEST(ParseDepfile, EvenBackslashesEndTheName) {
  auto d = parse_depfile("t.o: a\\\\ b\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->deps, Strings({"a\\\\", "b"}));
}

TEST(ParseDepfile, MultipleTargets) {
  auto d = parse_depfile("c e d a b: s.c \\\n x.h\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->targets, Strings({"c", "e", "d", "a", "b"}));
  EXPECT_EQ(d->deps, Strings({"s.c", "x.h"}));
}

TEST(ParseDepfile, TargetsWrappedOverLines) {
  auto d = parse_depfile("aaaa \\\n  bbbb: s.c\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->targets, Strings({"aaaa", "bbbb"}));
}

TEST(ParseDepfile, GccPhonyRules) {
  auto d = parse_depfile("a.o: a.c a.h b.h\na.h:\nb.h:\n");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->phony_targets);
  EXPECT_EQ(d->input_index, 0u);
  EXPECT_EQ(d->deps.size(), 3u);
}

TEST(ParseDepfile, ClangPhonyRulesWithBlankLines) {
  auto d = parse_depfile("a.o: a.c a.h\n\na.h:\n");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->phony_targets);
  EXPECT_EQ(d->input_index, 0u);
}

TEST(ParseDepfile, PhonyInputIndexWhenExtraDepComesFirst) {
  auto d = parse_depfile("a.o: /r/asan_ignorelist.txt a.c a.h\n\n/r/asan_ignorelist.txt:\n\na.h:\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->input_index, 1u);
}

TEST(ParseDepfile, ColonInsideDepIsNotASeparator) {
  auto d = parse_depfile("a.o: /x/a:b.h c.h\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->deps, Strings({"/x/a:b.h", "c.h"}));
}

TEST(ParseDepfile, RuleWithoutDeps) {
  auto d = parse_depfile("a.o:\n");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->deps.empty());
}

TEST(ParseDepfile, RejectsMalformedText) {
  EXPECT_FALSE(parse_depfile(""));
  EXPECT_FALSE(parse_depfile("\n\n"));
  EXPECT_FALSE(parse_depfile("no rule here\n"));
  EXPECT_FALSE(parse_depfile(": a.c\n"));
  EXPECT_FALSE(parse_depfile("a.o: a.c\nb.o: b.c\n"));  // a second real rule
  EXPECT_FALSE(parse_depfile("a.o: a.c\njunk\n"));
}

TEST(UnescapeDepfileName, Rules) {
  EXPECT_EQ(unescape_depfile_name("plain"), "plain");
  EXPECT_EQ(unescape_depfile_name("a\\ b"), "a b");
  EXPECT_EQ(unescape_depfile_name("a$$b"), "a$b");
  EXPECT_EQ(unescape_depfile_name("a\\#b"), "a#b");
  EXPECT_EQ(unescape_depfile_name("a\\\\#b"), "a\\#b");
  EXPECT_EQ(unescape_depfile_name("a\\\\\\ b"), "a\\ b");
  EXPECT_EQ(unescape_depfile_name("c:\\x\\y"), "c:\\x\\y");
  EXPECT_EQ(unescape_depfile_name("a$b"), "a$b");
}

TEST(QuoteTarget, MakeQuoting) {
  for (Family f : {Family::kGcc, Family::kClang}) {
    EXPECT_EQ(quote_target(f, "x/a.o"), "x/a.o");
    EXPECT_EQ(quote_target(f, "tar get$#.o"), "tar\\ get$$\\#.o");
    EXPECT_EQ(quote_target(f, "a\\ b"), "a\\\\\\ b");
    EXPECT_EQ(quote_target(f, "a\tb"), "a\\\tb");
    EXPECT_EQ(quote_target(f, "a\\#b"), "a\\\\#b");
  }
}

TEST(QuoteTarget, GccStripsLeadingDotSlash) {
  EXPECT_EQ(quote_target(Family::kGcc, "./x/c.o"), "x/c.o");
  EXPECT_EQ(quote_target(Family::kGcc, ".//./x/c.o"), "x/c.o");
  EXPECT_EQ(quote_target(Family::kGcc, "../x/c.o"), "../x/c.o");
  EXPECT_EQ(quote_target(Family::kClang, "./x/c.o"), "./x/c.o");
}

// Byte strings below were produced by gcc 12.2 and clang 14.0.6 on Debian 12 (see
// depfile_compiler_test.cc for the live comparison).
const Strings kDeps = {"s.c", "inc\\ dir/sp\\ ace.h", "we$$ird/d$$ollar.h", "ha\\#sh/h\\#ash.h", "short.h",
                       "averyveryveryveryverylongheadernamethatgoesonandonandon_for_wrapping_tests.h"};

TEST(RenderDepfile, GccWrapsAt72AndWritesPhonyRules) {
  std::string expected =
      "gcc.o: s.c inc\\ dir/sp\\ ace.h we$$ird/d$$ollar.h ha\\#sh/h\\#ash.h short.h \\\n"
      " averyveryveryveryverylongheadernamethatgoesonandonandon_for_wrapping_tests.h\n"
      "inc\\ dir/sp\\ ace.h:\n"
      "we$$ird/d$$ollar.h:\n"
      "ha\\#sh/h\\#ash.h:\n"
      "short.h:\n"
      "averyveryveryveryverylongheadernamethatgoesonandonandon_for_wrapping_tests.h:\n";
  EXPECT_EQ(render_depfile(Family::kGcc, {"gcc.o"}, kDeps, true), expected);
}

TEST(RenderDepfile, GccManyTargets) {
  std::string expected =
      "raw tar$get.o tar\\ get$$\\#.o: s.c inc\\ dir/sp\\ ace.h we$$ird/d$$ollar.h \\\n"
      " ha\\#sh/h\\#ash.h short.h \\\n"
      " averyveryveryveryverylongheadernamethatgoesonandonandon_for_wrapping_tests.h\n";
  EXPECT_EQ(render_depfile(Family::kGcc, {"raw", "tar$get.o", "tar\\ get$$\\#.o"}, kDeps, false), expected);
}

TEST(RenderDepfile, ClangWrapsAt75WithTwoSpaceIndentAndBlankLineBeforePhony) {
  std::string expected =
      "clang.o: s.c inc\\ dir/sp\\ ace.h we$$ird/d$$ollar.h ha\\#sh/h\\#ash.h short.h \\\n"
      "  averyveryveryveryverylongheadernamethatgoesonandonandon_for_wrapping_tests.h\n"
      "\ninc\\ dir/sp\\ ace.h:\n"
      "\nwe$$ird/d$$ollar.h:\n"
      "\nha\\#sh/h\\#ash.h:\n"
      "\nshort.h:\n"
      "\naveryveryveryveryverylongheadernamethatgoesonandonandon_for_wrapping_tests.h:\n";
  EXPECT_EQ(render_depfile(Family::kClang, {"clang.o"}, kDeps, true), expected);
}

TEST(RenderDepfile, ClangMeasuresDepsUnescaped) {
  // After "t.o: s.c" the column is 8; clang breaks before a dep when 8 + len + 1 + 2 > 75, with len
  // the unescaped length. 63 unescaped (65 escaped) still fits; 65 unescaped does not.
  std::string fits = std::string(30, 'a') + "\\ " + std::string(30, 'b') + "\\ c";
  ASSERT_EQ(unescape_depfile_name(fits).size(), 63u);
  EXPECT_EQ(render_depfile(Family::kClang, {"t.o"}, {"s.c", fits}, false), "t.o: s.c " + fits + "\n");
  std::string wraps = std::string(32, 'a') + "\\ " + std::string(30, 'b') + "\\ c";
  ASSERT_EQ(unescape_depfile_name(wraps).size(), 65u);
  EXPECT_EQ(render_depfile(Family::kClang, {"t.o"}, {"s.c", wraps}, false), "t.o: s.c \\\n  " + wraps + "\n");
  // gcc measures escaped: 8 + 65 > 72 breaks.
  EXPECT_EQ(render_depfile(Family::kGcc, {"t.o"}, {"s.c", fits}, false), "t.o: s.c \\\n " + fits + "\n");
}

TEST(RenderDepfile, ClangTargetsBreakWithTwoSpaces) {
  std::string t1(40, 'x'), t2(40, 'y');
  EXPECT_EQ(render_depfile(Family::kClang, {t1, t2}, {"s.c"}, false), t1 + " \\\n  " + t2 + ": s.c\n");
  EXPECT_EQ(render_depfile(Family::kGcc, {t1, t2}, {"s.c"}, false), t1 + " \\\n " + t2 + ": s.c\n");
}

TEST(RenderDepfile, ClangPhonySkipsInputIndex) {
  std::string out = render_depfile(Family::kClang, {"a.o"}, {"/r/list.txt", "a.c", "a.h"}, true, 1);
  EXPECT_EQ(out, "a.o: /r/list.txt a.c a.h\n\n/r/list.txt:\n\na.h:\n");
}

TEST(RenderDepfile, RoundTripsThroughParse) {
  for (Family f : {Family::kGcc, Family::kClang}) {
    for (bool phony : {false, true}) {
      std::string text = render_depfile(f, {"x/a.o", "b\\ c.o"}, kDeps, phony);
      auto d = parse_depfile(text);
      ASSERT_TRUE(d) << text;
      EXPECT_EQ(d->targets, Strings({"x/a.o", "b\\ c.o"}));
      EXPECT_EQ(d->deps, kDeps);
      EXPECT_EQ(render_depfile(f, d->targets, d->deps, d->phony_targets, d->input_index), text);
    }
  }
}

}  // namespace
}  // namespace zccache::tools

namespace zccache::tools {
namespace {

// As gcc appends to a SUNPRO_DEPENDENCIES file, one rule per source (no main input).
TEST(DependencyRules, ParsesEveryRuleUnescaped) {
  auto rules = parse_dependency_rules(
      "a.o: /usr/include/stdc-predef.h src/h1.h\n"
      "b\\ c.o: /usr/include/stdc-predef.h \\\n /usr/include/stdio.h my\\ dir/x.h\n"
      "\n"
      "d.o:\n");
  ASSERT_TRUE(rules.has_value());
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_EQ((*rules)[0].targets, (std::vector<std::string>{"a.o"}));
  EXPECT_EQ((*rules)[0].dep_paths, (std::vector<std::string>{"/usr/include/stdc-predef.h", "src/h1.h"}));
  EXPECT_EQ((*rules)[1].targets, (std::vector<std::string>{"b c.o"}));
  EXPECT_EQ((*rules)[1].dep_paths,
            (std::vector<std::string>{"/usr/include/stdc-predef.h", "/usr/include/stdio.h", "my dir/x.h"}));
  EXPECT_TRUE((*rules)[2].dep_paths.empty());
}

TEST(DependencyRules, RejectsMalformedText) {
  EXPECT_FALSE(parse_dependency_rules("a.o b.c\n").has_value());
  EXPECT_FALSE(parse_dependency_rules(": b.c\n").has_value());
  auto empty = parse_dependency_rules("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace zccache::tools
