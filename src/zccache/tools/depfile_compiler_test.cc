// Byte-exact comparison of render_depfile against depfiles written by the real gcc and clang on
// this machine. Each test skips when its compiler is not installed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "zccache/testing/live_files.h"
#include "zccache/tools/depfile.h"

namespace zccache::tools {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;
using testing::have_program;
using testing::read_file;
using testing::shell_quote;
using testing::write_file;





// A scratch tree with headers whose names need escaping and whose lengths vary, so that line
// breaks fall at many different columns.
class CompilerDepfileTest : public ::testing::TestWithParam<Family> {
 protected:
  void SetUp() override {
    compiler_ = GetParam() == Family::kGcc ? "gcc" : "clang";
    if (!have_program(compiler_)) GTEST_SKIP() << compiler_ << " not installed";
    char tmpl[] = "/tmp/zccache-depfile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string source;
    // First header: 63 characters unescaped, 92 escaped. After "a.o: s.c" (column 8) clang keeps it
    // on the first line only because it measures unescaped (8 + 63 + 1 + 2 <= 75).
    std::string spaced = "sp/";
    for (int i = 0; i < 29; ++i) spaced += "a ";
    spaced += ".h";
    Strings headers = {spaced, "inc dir/sp ace.h", "we$ird/d$ollar.h", "ha#sh/h#ash.h", "short.h"};
    for (int n = 1; n <= 48; n += 3) headers.push_back("h/" + std::string(n, 'a' + n % 26) + ".h");
    headers.push_back("a/very/deep/directory/with/a/rather/long/header/name/for_wrapping_tests.h");
    headers.push_back("x/" + std::string(90, 'z') + ".h");  // longer than a line
    for (const std::string& h : headers) {
      write_file(dir_ / h, "\n");
      source += "#include \"" + h + "\"\n";
    }
    source += "#include <stddef.h>\nint x;\n";
    write_file(dir_ / "s.c", source);
    fs::create_directories(dir_ / "x");
    fs::create_directories(dir_ / "o dir");
    fs::create_directories(dir_ / (std::string(60, 'd')));
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Compiles s.c to `object` with `options`, -MF out.d; returns the depfile's bytes.
  std::string compile(const std::string& object, const Strings& options) {
    std::string cmd = "cd " + shell_quote(dir_.string()) + " && " + compiler_ + " -c s.c -o " + shell_quote(object);
    for (const std::string& o : options) cmd += " " + shell_quote(o);
    cmd += " -MF out.d 2>/dev/null";
    fs::remove(dir_ / "out.d");
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return read_file(dir_ / "out.d");
  }

  std::string compiler_;
  fs::path dir_;
};

const Strings kObjects = {
    "a.o",
    "x/a.o",
    "./x/c.o",
    "o dir/t$#x.o",
    std::string(60, 'd') + "/b.o",                    // a target that nearly fills a line
    std::string(60, 'd') + "/" + std::string(9, 'e') + ".o",  // ends right at the limits
    std::string(60, 'd') + "/" + std::string(30, 'f') + ".o",  // longer than a line
};

const std::vector<Strings> kOptionSets = {
    {"-MD"},
    {"-MMD"},
    {"-MMD", "-MP"},
    {"-MD", "-MP"},
};

// The compiler's bytes re-render exactly from their own parse, and the depfile for every other
// object name renders exactly from the first one's deps with the new default target.
TEST_P(CompilerDepfileTest, DefaultTargetsRenderByteExact) {
  Family family = GetParam();
  for (const Strings& options : kOptionSets) {
    std::optional<Depfile> first;
    for (const std::string& object : kObjects) {
      std::string bytes = compile(object, options);
      ASSERT_FALSE(bytes.empty());
      auto parsed = parse_depfile(bytes);
      ASSERT_TRUE(parsed) << bytes;
      EXPECT_EQ(parsed->targets, Strings({quote_target(family, object)})) << object;
      EXPECT_EQ(render_depfile(family, parsed->targets, parsed->deps, parsed->phony_targets,
                               parsed->input_index),
                bytes)
          << "object " << object << " options " << options[0];
      if (!first) {
        first = parsed;
        continue;
      }
      EXPECT_EQ(render_depfile(family, {quote_target(family, object)}, first->deps, first->phony_targets,
                               first->input_index),
                bytes)
          << "re-targeted to " << object;
    }
  }
}

// -MT/-MQ lists: gcc 12 puts every -MT before the -MQs and swaps as its mkdeps does; clang keeps
// command-line order. Either way, rendering the parsed targets reproduces the bytes.
TEST_P(CompilerDepfileTest, ExplicitTargetsRenderByteExact) {
  Family family = GetParam();
  const std::vector<Strings> sets = {
      {"-MMD", "-MT", "custom target"},
      {"-MMD", "-MQ", "q $#.o", "-MT", "t1", "-MP"},
      {"-MD", "-MQ", "a", "-MQ", "b", "-MT", "c", "-MQ", "d", "-MT", "e"},
      {"-MMD", "-MT", std::string(50, 't'), "-MT", std::string(30, 'u'), "-MQ", std::string(74, 'v')},
      {"-MMD", "-MT", "./dot/slash.o", "-MQ", ".//x y.o"},
  };
  for (const Strings& options : sets) {
    std::string bytes = compile("x/a.o", options);
    auto parsed = parse_depfile(bytes);
    ASSERT_TRUE(parsed) << bytes;
    EXPECT_EQ(render_depfile(family, parsed->targets, parsed->deps, parsed->phony_targets, parsed->input_index),
              bytes);
  }
}

TEST_P(CompilerDepfileTest, PhonyRulesWithForcedInclude) {
  Family family = GetParam();
  write_file(dir_ / "forced.h", "\n");
  std::string bytes = compile("a.o", {"-MMD", "-MP", "-include", "forced.h"});
  auto parsed = parse_depfile(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->deps[0], "s.c");
  EXPECT_EQ(parsed->deps[1], "forced.h");
  EXPECT_EQ(render_depfile(family, parsed->targets, parsed->deps, true, parsed->input_index), bytes);
}

INSTANTIATE_TEST_SUITE_P(Families, CompilerDepfileTest, ::testing::Values(Family::kGcc, Family::kClang),
                         [](const auto& info) { return info.param == Family::kGcc ? "Gcc" : "Clang"; });

// clang with -fsanitize=address and -MD lists the sanitizer's ignore list before the source, and its
// -MP rules skip the source rather than the first dep.
TEST(ClangDepfile, SanitizerIgnoreListComesFirst) {
  if (!have_program("clang")) GTEST_SKIP() << "clang not installed";
  char tmpl[] = "/tmp/zccache-depfile-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  write_file(dir / "s.c", "#include \"h.h\"\nint x;\n");
  write_file(dir / "h.h", "\n");
  std::string cmd = "cd " + shell_quote(dir.string()) +
                    " && clang -c s.c -fsanitize=address -MD -MP -MF out.d -o s.o 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    fs::remove_all(dir);
    GTEST_SKIP() << "clang cannot compile with -fsanitize=address here";
  }
  std::string bytes = read_file(dir / "out.d");
  fs::remove_all(dir);
  auto parsed = parse_depfile(bytes);
  ASSERT_TRUE(parsed);
  if (parsed->deps.empty() || parsed->deps[0] == "s.c") GTEST_SKIP() << "no ignore list on this clang";
  EXPECT_EQ(parsed->deps[parsed->input_index], "s.c");
  EXPECT_EQ(render_depfile(Family::kClang, parsed->targets, parsed->deps, true, parsed->input_index), bytes);
}

}  // namespace
}  // namespace zccache::tools
