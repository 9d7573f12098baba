// Several sources in one invocation (`cc -c a.c b.c ...`): one cache entry per source, shared with
// single-source compiles of the same file, and everything the bare compiler does (objects,
// depfiles, stdout/stderr in source order, exit code) reproduced for hits, misses and mixes.
#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class MultiSource : public CompilerTest {
 protected:
  // Compiles through zccache after a bare compile of the same command and expects identical
  // results and the given change in hits and misses. Waits for the stores it expects.
  CompileResult expect_counts(const Args& args, const std::vector<std::string>& outputs, uint64_t hits,
                              uint64_t misses, uint64_t stored, const RunOptions& opts = {},
                              const std::string& compiler = {}) {
    Counters before = sb().counters();
    CompileResult b = bare(args, outputs, opts, compiler);
    CompileResult c = cached(args, outputs, opts, compiler);
    expect_same_compile(b, c, "hits " + std::to_string(hits) + " misses " + std::to_string(misses));
    Counters after = sb().counters();
    EXPECT_EQ(after.hits, before.hits + hits) << after.describe();
    EXPECT_EQ(after.misses, before.misses + misses) << after.describe();
    if (stored > 0) {
      EXPECT_TRUE(sb().wait_for_stored(before.stored + stored)) << sb().counters().describe();
    }
    return b;
  }

  void write_units(int n) {
    for (int i = 0; i < n; ++i) {
      std::string name = std::string(1, static_cast<char>('a' + i));
      sb().write(name + ".c", "int f_" + name + "(int x) { return x * " + std::to_string(i + 2) + "; }\n");
    }
  }
};

TEST_P(MultiSource, AllMissThenAllHit) {
  write_units(4);
  Args args{"-c", "a.c", "b.c", "c.c", "d.c"};
  std::vector<std::string> outs{"a.o", "b.o", "c.o", "d.o"};
  CompileResult b = expect_counts(args, outs, 0, 4, 4);
  for (const auto& o : outs) EXPECT_TRUE(b.files[o].has_value()) << o;
  expect_counts(args, outs, 4, 0, 0);
  EXPECT_EQ(sb().counters().pass("multiple_sources"), 0u);
}

TEST_P(MultiSource, SharesEntriesWithSingleSourceCompiles) {
  write_units(4);
  // Single-source compiles first (with and without -o): the multi-source build hits those.
  expect_counts({"-c", "a.c", "-o", "a.o"}, {"a.o"}, 0, 1, 1);
  expect_counts({"-c", "c.c"}, {"c.o"}, 0, 1, 1);
  CompileResult mixed = expect_counts({"-c", "a.c", "b.c", "c.c", "d.c"}, {"a.o", "b.o", "c.o", "d.o"}, 2, 2, 2);
  // And the other way round: what the multi-source build stored serves single-source compiles.
  expect_counts({"-c", "b.c", "-o", "b.o"}, {"b.o"}, 1, 0, 0);
  expect_counts({"-c", "d.c"}, {"d.o"}, 1, 0, 0);
}

TEST_P(MultiSource, HeaderEditMissesOnlyTheSourcesThatIncludeIt) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint a(void) { return V; }\n");
  sb().write("b.c", "int b(void) { return 7; }\n");
  sb().write("c.c", "#include \"h.h\"\nint c(void) { return V + 1; }\n");
  Args args{"-O1", "-c", "a.c", "b.c", "c.c"};
  std::vector<std::string> outs{"a.o", "b.o", "c.o"};
  CompileResult one = expect_counts(args, outs, 0, 3, 3);
  sb().write("h.h", "#define V 2\n");
  CompileResult two = expect_counts(args, outs, 1, 2, 2);
  EXPECT_NE(one.files["a.o"], two.files["a.o"]) << "test premise: the edit changes the object";
  expect_counts(args, outs, 3, 0, 0);
  // The all-hit request is remembered (one merged check of the sources' headers); an edit must
  // still turn exactly the including sources into misses, repeatedly.
  expect_counts(args, outs, 3, 0, 0);
  sb().write("h.h", "#define V 3\n");
  expect_counts(args, outs, 1, 2, 2);
  expect_counts(args, outs, 3, 0, 0);
  sb().write("h.h", "#define V 1\n");
  CompileResult back = expect_counts(args, outs, 3, 0, 0);
  EXPECT_EQ(back.files["a.o"], one.files["a.o"]);
}

TEST_P(MultiSource, FailingSourceAmongGoodOnes) {
  write_units(3);
  sb().write("bad.c", "int bad(void) { return undeclared_name; }\n");
  std::vector<std::string> outs{"a.o", "bad.o", "b.o", "c.o"};
  Args args{"-c", "a.c", "bad.c", "b.c", "c.c"};
  // All miss: the compile fails, nothing is stored, the good objects exist as with the bare compiler.
  CompileResult b = expect_counts(args, outs, 0, 4, 0);
  EXPECT_NE(b.run.exit_code, 0);
  EXPECT_FALSE(b.files["bad.o"].has_value());
  EXPECT_TRUE(b.files["c.o"].has_value());
  // With the good sources cached, the failing one is the only miss: same errors, same exit code.
  expect_counts({"-c", "a.c", "b.c", "c.c"}, {"a.o", "b.o", "c.o"}, 0, 3, 3);
  CompileResult again = expect_counts(args, outs, 3, 1, 0);
  EXPECT_NE(again.run.exit_code, 0);
  EXPECT_NE(again.run.err.find("undeclared_name"), std::string::npos) << again.run.err;
}

TEST_P(MultiSource, DiagnosticsComeInSourceOrder) {
  sb().write("w1.c", "#warning first warning\nint w1(void) { return 1; }\n");
  sb().write("w2.c", "#warning second warning\nint w2(void) { return 2; }\n");
  sb().write("w3.c", "#warning third warning\nint w3(void) { return 3; }\n");
  write_units(3);
  // Each warning source cached on its own, with its own diagnostics.
  expect_counts({"-c", "w1.c"}, {"w1.o"}, 0, 1, 1);
  expect_counts({"-c", "a.c"}, {"a.o"}, 0, 1, 1);
  // w1 (hit, warns), a (hit), w2 (miss, warns), b (miss): the hit's warning, then the compile's.
  expect_counts({"-c", "w1.c", "a.c", "w2.c", "b.c"}, {"w1.o", "a.o", "w2.o", "b.o"}, 2, 2, 2);
  // A hit that warns between two misses: the misses are compiled on both sides of it.
  CompileResult r = expect_counts({"-c", "w3.c", "w1.c", "c.c"}, {"w3.o", "w1.o", "c.o"}, 1, 2, 2);
  size_t third = r.run.err.find("third warning");
  size_t first = r.run.err.find("first warning");
  ASSERT_NE(third, std::string::npos) << r.run.err;
  ASSERT_NE(first, std::string::npos) << r.run.err;
  EXPECT_LT(third, first) << r.run.err;
  // w3 was compiled alone, so its warning is its own and was stored with it.
  expect_counts({"-c", "w3.c"}, {"w3.o"}, 1, 0, 0);
}

TEST_P(MultiSource, EachSourceIsStoredWithItsOwnDiagnostics) {
  sb().write("inc/h.h", "#warning from a header\n");
  sb().write("w1.c", "#warning one\nint w1(void) { return 1; }\n");
  sb().write("w2.c", "#include \"h.h\"\nint w2(int unused) { return 2; }\n");
  write_units(1);
  Args args{"-Wall", "-Wextra", "-Iinc", "-c", "w1.c", "a.c", "w2.c"};
  std::vector<std::string> outs{"w1.o", "a.o", "w2.o"};
  CompileResult cold = expect_counts(args, outs, 0, 3, 3);
  ASSERT_NE(cold.run.err.find("one"), std::string::npos) << "test premise: the sources warn";
  ASSERT_NE(cold.run.err.find("from a header"), std::string::npos);
  // A single-source compile of each replays exactly that source's part, and nothing else.
  expect_counts({"-Wall", "-Wextra", "-Iinc", "-c", "w2.c"}, {"w2.o"}, 1, 0, 0);
  expect_counts({"-Wall", "-Wextra", "-Iinc", "-c", "a.c"}, {"a.o"}, 1, 0, 0);
  expect_counts({"-Wall", "-Wextra", "-Iinc", "-c", "w1.c"}, {"w1.o"}, 1, 0, 0);
  expect_counts(args, outs, 3, 0, 0);
}

// gcc marks each source's output through its -wrapper option; clang's -H output ends with no
// per-source summary line, so it cannot be split and is not stored (yet compiled correctly).
TEST_P(MultiSource, OutputThatCannotBeSplitIsNotStored) {
  sb().write("h.h", "#define H 1\n");
  sb().write("x.c", "#include \"h.h\"\nint x(void) { return H; }\n");
  sb().write("y.c", "#include \"h.h\"\nint y(void) { return H + 1; }\n");
  Args args{"-H", "-c", "x.c", "y.c"};
  std::vector<std::string> outs{"x.o", "y.o"};
  if (is_gcc()) {
    expect_counts(args, outs, 0, 2, 2);
    expect_counts({"-H", "-c", "y.c"}, {"y.o"}, 1, 0, 0);
    return;
  }
  expect_counts(args, outs, 0, 2, 0);
  ASSERT_TRUE(sb().wait_until([](const Counters& c) { return c.pass("shared_diagnostics") >= 2; }))
      << sb().counters().describe();
  EXPECT_EQ(sb().counters().stored, 0u);
  // Still correct the next time (a miss again, never a hit without its output).
  expect_counts(args, outs, 0, 2, 0);
}

TEST_P(MultiSource, DepfilesPerSource) {
  for (std::string md : {"-MD", "-MMD"}) {
    SCOPED_TRACE(md);
    std::string p = md.substr(1);  // distinct files per mode
    sb().write(p + "/h.h", "#define V 3\n");
    sb().write(p + "a.c", "#include \"h.h\"\n#include <stddef.h>\nint a(void) { return V; }\n");
    sb().write(p + "b.c", "#include <stddef.h>\nint b(void) { return 2; }\n");
    Args args{"-I" + p, md, "-c", p + "a.c", p + "b.c"};
    std::vector<std::string> outs{p + "a.o", p + "b.o", p + "a.d", p + "b.d"};
    CompileResult b = expect_counts(args, outs, 0, 2, 2);
    EXPECT_TRUE(b.files[p + "a.d"].has_value());
    EXPECT_TRUE(b.files[p + "b.d"].has_value());
    expect_counts(args, outs, 2, 0, 0);
    // The header edit is seen through the per-source dependency information.
    sb().write(p + "/h.h", "#define V 4\n");
    expect_counts(args, outs, 1, 1, 1);
  }
}

TEST_P(MultiSource, NestedResponseFileWithTheSourceList) {
  write_units(3);
  sb().write("h.h", "#define V 1\n");
  sb().write("d.c", "#include \"h.h\"\nint d(void) { return V; }\n");
  sb().write("inner.rsp", "b.c -DINNER=1\nd.c\n");
  sb().write("sources.rsp", "-O1 a.c @inner.rsp\nc.c\n");
  Args args{"-c", "@sources.rsp"};
  std::vector<std::string> outs{"a.o", "b.o", "c.o", "d.o"};
  expect_counts(args, outs, 0, 4, 4);
  expect_counts(args, outs, 4, 0, 0);
  // One source changes: the compile of the miss gets the expanded arguments without the hits.
  sb().write("h.h", "#define V 2\n");
  expect_counts(args, outs, 3, 1, 1);
  expect_counts(args, outs, 4, 0, 0);
}

TEST_P(MultiSource, CAndCxxInOneInvocation) {
  sb().write("a.c", "int ca(void) { return 1; }\n");
  sb().write("b.cpp", "namespace n { int cb() { return 2; } }\n");
  Args args{"-c", "a.c", "b.cpp"};
  expect_counts(args, {"a.o", "b.o"}, 0, 2, 2);
  expect_counts(args, {"a.o", "b.o"}, 2, 0, 0);
}

TEST_P(MultiSource, InvocationsThatCannotBeSplitPassThrough) {
  write_units(2);
  sb().write("x/a.c", "int xa(void) { return 5; }\n");
  struct Case {
    Args args;
    std::vector<std::string> outs;
  };
  const Case cases[] = {
      {{"-c", "a.c", "b.c", "-o", "ab.o"}, {"ab.o", "a.o", "b.o"}},  // the driver's own error
      {{"-c", "a.c", "b.c", "-MD", "-MF", "ab.d"}, {"a.o", "b.o", "ab.d"}},
      {{"-c", "a.c", "x/a.c"}, {"a.o"}},                              // one object name twice
      {{"-c", "a.c", "-x", "c", "b.c"}, {"a.o", "b.o"}},               // -x between sources
  };
  uint64_t expected = 0;
  for (const Case& c : cases) {
    expect_counts(c.args, c.outs, 0, 0, 0);
    EXPECT_EQ(sb().counters().pass("multiple_sources"), ++expected);
  }
}

ZCCACHE_FOR_EACH_COMPILER(MultiSource);

}  // namespace
}  // namespace zccache::e2e
