#include "zccache/tools/response_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/depfile.h"

namespace zccache::tools {
namespace {

using Strings = std::vector<std::string>;
constexpr Family kBoth[] = {Family::kGcc, Family::kClang};

TEST(TokenizeResponseFile, WhitespaceSeparates) {
  for (Family f : kBoth) {
    EXPECT_EQ(tokenize_response_file("  -c\t a.c\n-o  a.o \r\n", f), Strings({"-c", "a.c", "-o", "a.o"}));
    EXPECT_EQ(tokenize_response_file("", f), Strings());
    EXPECT_EQ(tokenize_response_file(" \n\t ", f), Strings());
  }
}

TEST(TokenizeResponseFile, QuotesJoinAndMix) {
  for (Family f : kBoth) {
    EXPECT_EQ(tokenize_response_file("'a b' \"c d\"", f), Strings({"a b", "c d"}));
    EXPECT_EQ(tokenize_response_file("-DA=a'b c'd\"e f\"g", f), Strings({"-DA=ab cde fg"}));
    EXPECT_EQ(tokenize_response_file("\"it's\" 'say \"hi\"'", f), Strings({"it's", "say \"hi\""}));
    EXPECT_EQ(tokenize_response_file("a''b", f), Strings({"ab"}));
  }
}

TEST(TokenizeResponseFile, BackslashEscapesEverywhere) {
  for (Family f : kBoth) {
    EXPECT_EQ(tokenize_response_file("a\\ b", f), Strings({"a b"}));
    EXPECT_EQ(tokenize_response_file("-DB=\"q\\\"x\"", f), Strings({"-DB=q\"x"}));
    EXPECT_EQ(tokenize_response_file("'s\\t'", f), Strings({"st"}));         // also inside '...'
    EXPECT_EQ(tokenize_response_file("'x\\'y' z", f), Strings({"x'y", "z"}));
    EXPECT_EQ(tokenize_response_file("\\\\\\\\", f), Strings({"\\\\"}));
    EXPECT_EQ(tokenize_response_file("-DA=x\\\ny -DB", f), Strings({"-DA=x\ny", "-DB"}));  // kept newline
    EXPECT_EQ(tokenize_response_file("\"x\ny\"", f), Strings({"x\ny"}));
  }
}

TEST(TokenizeResponseFile, UnterminatedQuoteRunsToTheEnd) {
  for (Family f : kBoth) EXPECT_EQ(tokenize_response_file("-DA=\"unterminated x", f), Strings({"-DA=unterminated x"}));
}

TEST(TokenizeResponseFile, EmptyQuotesDiffer) {
  EXPECT_EQ(tokenize_response_file("-DA '' -DB", Family::kGcc), Strings({"-DA", "", "-DB"}));
  EXPECT_EQ(tokenize_response_file("-DA '' -DB", Family::kClang), Strings({"-DA", "-DB"}));
}

TEST(TokenizeResponseFile, TrailingBackslashDiffers) {
  EXPECT_EQ(tokenize_response_file("-DA=x\\", Family::kGcc), Strings({"-DA=x"}));
  EXPECT_EQ(tokenize_response_file("-DA=x\\", Family::kClang), Strings({"-DA=x\\"}));
}

TEST(TokenizeResponseFile, VerticalTabAndFormFeedDiffer) {
  EXPECT_EQ(tokenize_response_file("a\vb\fc", Family::kGcc), Strings({"a", "b", "c"}));
  EXPECT_EQ(tokenize_response_file("a\vb\fc", Family::kClang), Strings({"a\vb\fc"}));
}

TEST(TokenizeResponseFile, ByteOrderMarkDiffers) {
  EXPECT_EQ(tokenize_response_file("\xEF\xBB\xBF-c", Family::kClang), Strings({"-c"}));
  EXPECT_EQ(tokenize_response_file("\xEF\xBB\xBF-c", Family::kGcc), Strings({"\xEF\xBB\xBF-c"}));
}

TEST(ExpandResponseFiles, ExpandsInPlace) {
  testing::FakeFileReader reader;
  reader.add("/w/args.rsp", "-O2 'a b.c'\n");
  auto out = expand_response_files({"-c", "@args.rsp", "-g"}, "/w", reader);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Strings({"-c", "-O2", "a b.c", "-g"}));
}

TEST(ExpandResponseFiles, NestedNamesResolveAgainstCwdNotTheFile) {
  // Checked with gcc 12 and clang 14: "@sub/outer" containing "@inner" reads ./inner, not sub/inner.
  testing::FakeFileReader reader;
  reader.add("/w/sub/outer", "@inner -DX");
  reader.add("/w/inner", "-DFROM_CWD");
  reader.add("/w/sub/inner", "-DFROM_SUB");
  auto out = expand_response_files({"@sub/outer"}, "/w", reader);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Strings({"-DFROM_CWD", "-DX"}));
}

TEST(ExpandResponseFiles, AbsolutePathsAreReadAsGiven) {
  testing::FakeFileReader reader;
  reader.add("/abs/r", "-DA");
  auto out = expand_response_files({"@/abs/r"}, "/w", reader);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Strings({"-DA"}));
}

TEST(ExpandResponseFiles, UnreadableFileStaysLiteral) {
  testing::FakeFileReader reader;
  auto out = expand_response_files({"-c", "@missing", "@"}, "/w", reader);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Strings({"-c", "@missing", "@"}));
}

TEST(ExpandResponseFiles, EmptyFileContributesNothing) {
  testing::FakeFileReader reader;
  reader.add("/w/empty", "\n");
  auto out = expand_response_files({"-c", "@empty", "a.c"}, "/w", reader);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Strings({"-c", "a.c"}));
}

TEST(ExpandResponseFiles, CycleIsRejected) {
  testing::FakeFileReader reader;
  reader.add("/w/a", "-DA @b");
  reader.add("/w/b", "@a");
  EXPECT_FALSE(expand_response_files({"@a"}, "/w", reader));
}

TEST(ExpandResponseFiles, DeepButFiniteNestingIsFine) {
  testing::FakeFileReader reader;
  for (int i = 0; i < 10; ++i) reader.add("/w/r" + std::to_string(i), "@r" + std::to_string(i + 1));
  reader.add("/w/r10", "-DEND");
  auto out = expand_response_files({"@r0"}, "/w", reader);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, Strings({"-DEND"}));
}


// Found by the response_file fuzzer's bomb seed: files that each name the next one several times
// grow exponentially (30 levels of two would be 2^30 arguments). Here 10^4 leaves: past the
// limit on @files read, so the compile passes through; the reads stop at the limit.
class CountingReader : public testing::FakeFileReader {
 public:
  std::optional<std::string> read(const std::string& path) override {
    ++reads;
    return FakeFileReader::read(path);
  }
  int reads = 0;
};

TEST(ExpandResponseFiles, FanOutIsBounded) {
  CountingReader reader;
  const std::string ten_of_next[] = {"@r1", "@r2", "@r3", "@r4"};
  for (int level = 0; level < 4; ++level) {
    std::string content;
    for (int i = 0; i < 10; ++i) content += ten_of_next[level] + " ";
    reader.add("/w/r" + std::to_string(level), content);
  }
  reader.add("/w/r4", "-DLEAF");
  EXPECT_FALSE(expand_response_files({"@r0"}, "/w", reader, Family::kGcc));
  EXPECT_LE(reader.reads, kMaxResponseFiles + 1);

  // 10^3 leaves stay under the limit.
  CountingReader small;
  for (int level = 0; level < 3; ++level) {
    std::string content;
    for (int i = 0; i < 10; ++i) content += ten_of_next[level] + " ";
    small.add("/w/r" + std::to_string(level), content);
  }
  small.add("/w/r3", "-DLEAF");
  auto out = expand_response_files({"@r0"}, "/w", small, Family::kClang);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->size(), 1000u);
}
TEST(ExpandResponseFiles, FamilyPicksTheTokenizer) {
  testing::FakeFileReader reader;
  reader.add("/w/r", "-DA '' -DB");
  EXPECT_EQ(*expand_response_files({"@r"}, "/w", reader, Family::kGcc), Strings({"-DA", "", "-DB"}));
  EXPECT_EQ(*expand_response_files({"@r"}, "/w", reader, Family::kClang), Strings({"-DA", "-DB"}));
}

// Live check: put "-MT <token>" pairs in a response file and let the real driver print them as
// depfile targets (-MT is written verbatim), then compare with what our tokenizer yields.
class LiveResponseFileTest : public ::testing::TestWithParam<Family> {};

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST_P(LiveResponseFileTest, TargetsMatchTheDriver) {
  Family family = GetParam();
  std::string compiler = family == Family::kGcc ? "gcc" : "clang";
  if (std::system(("command -v " + compiler + " >/dev/null 2>&1").c_str()) != 0) GTEST_SKIP();
  char tmpl[] = "/tmp/zccache-rsp-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::filesystem::path dir = tmpl;
  std::ofstream(dir / "s.c") << "int x;\n";
  std::filesystem::create_directories(dir / "sub");
  const std::vector<std::string> cases = {
      "-MT plain -MT 'single quoted' -MT \"double quoted\"",
      "-MT a\\ b -MT 'x\\'y' -MT \"q\\\"x\" -MT a'b c'd\"e f\"g",
      "-MT \\\\back\\\\slash -MT 's\\t'\n\t-MT tab\\\tsep",
      "-MT v -MT\vw -MT\fx",  // gcc splits at \v and \f; clang reads -MT with a joined "\vw"
  };
  for (const std::string& content : cases) {
    std::ofstream(dir / "sub" / "r", std::ios::trunc) << content;
    std::string got = run_capture("cd '" + dir.string() + "' && " + compiler + " -MM @sub/r s.c 2>/dev/null");
    Strings tokens = tokenize_response_file(content, family);
    Strings targets;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i] == "-MT" && i + 1 < tokens.size()) targets.push_back(tokens[++i]);
      else if (tokens[i].rfind("-MT", 0) == 0) targets.push_back(tokens[i].substr(3));
      else targets.push_back("");  // an input the driver would reject: forces a mismatch
    }
    EXPECT_EQ(got, render_depfile(family, targets, {"s.c"}, false)) << content;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Families, LiveResponseFileTest, ::testing::Values(Family::kGcc, Family::kClang),
                         [](const auto& info) { return info.param == Family::kGcc ? "Gcc" : "Clang"; });

}  // namespace
}  // namespace zccache::tools
