// What the compiler says: warnings are stored with the result and replayed on hits (colour
// escapes included), and failed compiles are never cached.
#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class Diagnostics : public CompilerTest {};

constexpr const char* kWarningC =
    "int f(int x) {\n"
    "  int unused = x * 2;\n"
    "  return x;\n"
    "}\n";

TEST_P(Diagnostics, WarningsAreReplayedOnHits) {
  sb().write("w.c", kWarningC);
  CompileResult b = miss_then_hit({"-Wall", "-Wextra", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_NE(b.run.err.find("warning"), std::string::npos) << "test premise: the bare compile warns";
  EXPECT_NE(b.run.err.find("unused"), std::string::npos);
}

TEST_P(Diagnostics, WarningsTextIsNotSharedAcrossSourcePaths) {
  // The warning names the source path; the same content under another name must say the other name.
  sb().write("one.c", kWarningC);
  sb().write("two.c", kWarningC);
  expect_miss({"-Wall", "-c", "one.c", "-o", "x.o"}, {"x.o"});
  CompileResult b = compile_both({"-Wall", "-c", "two.c", "-o", "x.o"}, {"x.o"});
  EXPECT_NE(b.run.err.find("two.c"), std::string::npos);
}

TEST_P(Diagnostics, ColouredWarningsReplayIdentically) {
  sb().write("w.c", kWarningC);
  CompileResult b = miss_then_hit({"-fdiagnostics-color=always", "-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_NE(b.run.err.find("\x1b["), std::string::npos) << "test premise: the bare warning is coloured";
}

TEST_P(Diagnostics, TerminalColourMatchesBare) {
  // With stderr on a terminal (and TERM set), the compilers colour by default; through a pipe they
  // do not. Neither may be replayed for the other.
  sb().write("w.c", kWarningC);
  RunOptions tty;
  tty.stderr_tty = true;
  tty.env["TERM"] = "xterm-256color";
  RunOptions pipe;
  pipe.env["TERM"] = "xterm-256color";
  Args args{"-Wall", "-c", "w.c", "-o", "w.o"};
  CompileResult coloured = miss_then_hit(args, {"w.o"}, tty);
  EXPECT_NE(coloured.run.err.find("\x1b["), std::string::npos) << "test premise: colour on a terminal";
  CompileResult plain = compile_both(args, {"w.o"}, pipe);
  EXPECT_EQ(plain.run.err.find("\x1b["), std::string::npos) << "test premise: no colour through a pipe";
  compile_both(args, {"w.o"}, pipe);
  compile_both(args, {"w.o"}, tty);
}

TEST_P(Diagnostics, LargeDiagnosticsAreReplayedCompletely) {
  // Far more than a pipe buffer of warnings: nothing may be cut or block.
  std::string src;
  for (int i = 0; i < 1500; ++i)
    src += "int f" + std::to_string(i) + "(int x) { int unused_" + std::to_string(i) + "; return x; }\n";
  sb().write("many.c", src);
  CompileResult b = miss_then_hit({"-Wall", "-c", "many.c", "-o", "many.o"}, {"many.o"});
  EXPECT_GT(b.run.err.size(), 200000u) << "test premise: the warnings exceed any pipe buffer";
}

TEST_P(Diagnostics, OutputPrintedAsTheCompilerWritesItComesOutOnce) {
  // With the build's own -MD -MF the daemon adds nothing to the command, so a miss's output goes
  // out as the compiler writes it (client/wrapper.cc): it must be there exactly once, whole, for a
  // success, a large one and a failure alike, and be replayed the same on the hit.
  sb().write("w.c", kWarningC);
  std::string many;
  for (int i = 0; i < 1500; ++i) many += "int g" + std::to_string(i) + "(int x) { int unused_" + std::to_string(i) + "; return x; }\n";
  sb().write("many.c", many);
  CompileResult w = miss_then_hit({"-Wall", "-MD", "-MF", "w.d", "-c", "w.c", "-o", "w.o"}, {"w.o", "w.d"});
  EXPECT_NE(w.run.err.find("unused"), std::string::npos) << "test premise: the compile warns";
  CompileResult m = miss_then_hit({"-Wall", "-MD", "-MF", "many.d", "-c", "many.c", "-o", "many.o"}, {"many.o", "many.d"});
  EXPECT_GT(m.run.err.size(), 200000u) << "test premise: the warnings exceed any pipe buffer";
  sb().write("bad.c", "int f(void) { return undeclared_name; }\n");
  CompileResult b = compile_both({"-MD", "-MF", "bad.d", "-c", "bad.c", "-o", "bad.o"}, {"bad.o"});
  EXPECT_NE(b.run.exit_code, 0) << "test premise: the source does not compile";
}

TEST_P(Diagnostics, ColourFlagIsPartOfTheKey) {
  sb().write("w.c", kWarningC);
  expect_miss({"-fdiagnostics-color=always", "-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  // Without colour the warning must come out plain, never replayed from the coloured entry.
  CompileResult b = compile_both({"-fdiagnostics-color=never", "-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_EQ(b.run.err.find("\x1b["), std::string::npos);
  CompileResult plain = compile_both({"-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_EQ(plain.run.err.find("\x1b["), std::string::npos) << "stderr is a pipe: no colour by default";
}

TEST_P(Diagnostics, WarningFlagsArePartOfTheKey) {
  sb().write("w.c", kWarningC);
  CompileResult quiet = expect_miss({"-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_TRUE(quiet.run.err.empty()) << quiet.run.err;
  CompileResult loud = compile_both({"-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_FALSE(loud.run.err.empty()) << "test premise: -Wall warns";
}

TEST_P(Diagnostics, CompileErrorIsNotCached) {
  sb().write("bad.c", "int f(void) { return undeclared_name; }\n");
  Args args{"-c", "bad.c", "-o", "bad.o"};
  CompileResult b = bare(args, {"bad.o"});
  EXPECT_NE(b.run.exit_code, 0) << "test premise: the source does not compile";
  EXPECT_FALSE(b.run.err.empty());
  for (int i = 0; i < 3; ++i) {
    CompileResult c = cached(args, {"bad.o"});
    expect_same_compile(b, c, "attempt " + std::to_string(i));
  }
  ASSERT_TRUE(sb().wait_until([](const Counters& c) { return c.compile_failed >= 3; })) << sb().counters().describe();
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 3u) << c.describe();
  EXPECT_EQ(c.stored, 0u) << c.describe();
  EXPECT_EQ(c.entries, 0u) << c.describe();
}

TEST_P(Diagnostics, FixedErrorCompilesAndCaches) {
  sb().write("bad.c", "int f(void) { return undeclared_name; }\n");
  Args args{"-c", "bad.c", "-o", "bad.o"};
  compile_both(args, {"bad.o"});
  sb().write("bad.c", "int f(void) { return 42; }\n");
  miss_then_hit(args, {"bad.o"});
}

TEST_P(Diagnostics, WerrorFailureIsNotCached) {
  sb().write("w.c", kWarningC);
  Args args{"-Wall", "-Werror", "-c", "w.c", "-o", "w.o"};
  CompileResult b = compile_both(args, {"w.o"});
  EXPECT_NE(b.run.exit_code, 0) << "test premise: -Werror fails";
  compile_both(args, {"w.o"});
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
}

ZCCACHE_FOR_EACH_COMPILER(Diagnostics);

}  // namespace
}  // namespace zccache::e2e
