// Arguments that change the object must change the key, in their order: -D/-U, -I, -include, the
// working directory under -g, and the contents of response files.
#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class Arguments : public CompilerTest {};

constexpr const char* kValueC =
    "#ifdef V\n"
    "int value(void) { return V; }\n"
    "#else\n"
    "int value(void) { return -1; }\n"
    "#endif\n";

TEST_P(Arguments, DefineOrderIsPartOfTheKey) {
  sb().write("a.c", kValueC);
  // The last definition wins (with a redefinition warning), so the order changes the object.
  CompileResult one_two = expect_miss({"-DV=1", "-DV=2", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult two_one = expect_miss({"-DV=2", "-DV=1", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(one_two.files["a.o"], two_one.files["a.o"]) << "test premise: the order changes the object";
  expect_hit({"-DV=1", "-DV=2", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-DV=2", "-DV=1", "-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Arguments, DefineValueIsPartOfTheKey) {
  sb().write("a.c", kValueC);
  CompileResult three = expect_miss({"-DV=3", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult four = expect_miss({"-DV=4", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(three.files["a.o"], four.files["a.o"]);
  // Separate-argument spelling must not be confused with another value either.
  CompileResult five = expect_miss({"-D", "V=5", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(five.files["a.o"], three.files["a.o"]);
}

TEST_P(Arguments, UndefAndItsOrderArePartOfTheKey) {
  sb().write("a.c", kValueC);
  CompileResult def_then_undef = expect_miss({"-DV=7", "-UV", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult undef_then_def = expect_miss({"-UV", "-DV=7", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(def_then_undef.files["a.o"], undef_then_def.files["a.o"]) << "test premise";
  expect_hit({"-DV=7", "-UV", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-UV", "-DV=7", "-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Arguments, IncludeDirOrderIsPartOfTheKey) {
  sb().write("inc1/x.h", "#define V 1\n");
  sb().write("inc2/x.h", "#define V 2\n");
  sb().write("src/a.c", "#include <x.h>\nint value(void) { return V; }\n");
  CompileResult first = expect_miss({"-Iinc1", "-Iinc2", "-c", "src/a.c", "-o", "a.o"}, {"a.o"});
  CompileResult second = expect_miss({"-Iinc2", "-Iinc1", "-c", "src/a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(first.files["a.o"], second.files["a.o"]) << "test premise";
  expect_hit({"-Iinc1", "-Iinc2", "-c", "src/a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-Iinc2", "-Iinc1", "-c", "src/a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Arguments, ForcedIncludeIsTracked) {
  sb().write("pre1.h", "#define V 11\n");
  sb().write("pre2.h", "#define V 22\n");
  sb().write("a.c", kValueC);
  CompileResult one = expect_miss({"-include", "pre1.h", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult two = expect_miss({"-include", "pre2.h", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
  expect_hit({"-include", "pre1.h", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  // Editing the forced include is a miss, and the new object is the bare one.
  sb().write("pre1.h", "#define V 33\n");
  CompileResult three = expect_miss({"-include", "pre1.h", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(one.files["a.o"], three.files["a.o"]);
}

TEST_P(Arguments, DebugInfoRecordsTheWorkingDirectory) {
  sb().write("d1/a.c", kHelloC);
  sb().write("d2/a.c", kHelloC);
  Args args{"-g", "-c", "a.c", "-o", "a.o"};
  RunOptions in_d1, in_d2;
  in_d1.cwd = "d1";
  in_d2.cwd = "d2";
  CompileResult b1 = expect_miss(args, {"a.o"}, in_d1);
  // Same arguments, same source bytes, other directory: the object names d2, so it is a miss.
  CompileResult b2 = expect_miss(args, {"a.o"}, in_d2);
  EXPECT_NE(b1.files["a.o"], b2.files["a.o"]) << "test premise: -g objects record the directory";
  expect_hit(args, {"a.o"}, in_d1);
  expect_hit(args, {"a.o"}, in_d2);
}

TEST_P(Arguments, DebugInfoWithPrefixMapIsSharedAcrossDirectories) {
  sb().write("d1/a.c", kHelloC);
  sb().write("d2/a.c", kHelloC);
  RunOptions in_d1, in_d2;
  in_d1.cwd = "d1";
  in_d2.cwd = "d2";
  // Each directory maps itself to ".", so both objects are identical; whether the second is a hit
  // is the product's choice, but each must equal its bare compile.
  CompileResult b1 =
      expect_miss({"-g", "-fdebug-prefix-map=" + sb().path("d1") + "=.", "-c", "a.c", "-o", "a.o"}, {"a.o"}, in_d1);
  CompileResult b2 =
      compile_both({"-g", "-fdebug-prefix-map=" + sb().path("d2") + "=.", "-c", "a.c", "-o", "a.o"}, {"a.o"}, in_d2);
  EXPECT_EQ(b1.files["a.o"], b2.files["a.o"]) << "test premise: the prefix map removes the directory";
}

TEST_P(Arguments, ResponseFilesWithQuotingAndNesting) {
  sb().write("a.c",
             "const char *str = STR;\n"
             "int num(void) { return NUM + (SUM); }\n");
  // gcc/clang @file syntax: whitespace separates, quotes group, backslash escapes.
  sb().write("inner.rsp", "'-DNUM=4'\n-DSUM=1\\ +\\ 2\n");
  sb().write("args.rsp", "-c a.c -o a.o \"-DSTR=\\\"a b\\\"\" @inner.rsp\n");
  CompileResult first = miss_then_hit({"@args.rsp"}, {"a.o"});
  ASSERT_EQ(first.run.exit_code, 0) << first.run.describe();

  // A change inside the nested file changes the key.
  sb().write("inner.rsp", "'-DNUM=5'\n-DSUM=1\\ +\\ 2\n");
  CompileResult second = expect_miss({"@args.rsp"}, {"a.o"});
  EXPECT_NE(first.files["a.o"], second.files["a.o"]);

  // So does a change that only quoting makes visible: two spaces inside the string literal.
  sb().write("args.rsp", "-c a.c -o a.o \"-DSTR=\\\"a  b\\\"\" @inner.rsp\n");
  CompileResult third = expect_miss({"@args.rsp"}, {"a.o"});
  EXPECT_NE(second.files["a.o"], third.files["a.o"]);

  // And the expanded arguments written out on the command line are the same compile.
  expect_hit({"-c", "a.c", "-o", "a.o", "-DSTR=\"a  b\"", "-DNUM=5", "-DSUM=1 + 2"}, {"a.o"});
}

TEST_P(Arguments, ResponseFileBesideOtherArguments) {
  sb().write("a.c", kValueC);
  sb().write("flags.rsp", "-DV=9 -O1\n");
  miss_then_hit({"-c", "@flags.rsp", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Arguments, LanguageOptionIsPartOfTheKey) {
  sb().write("a.c", "int f(void) { return sizeof('a'); }\n");  // 4 in C, 1 in C++
  CompileResult as_c = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult as_cxx = expect_miss({"-x", "c++", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(as_c.files["a.o"], as_cxx.files["a.o"]);
}

TEST_P(Arguments, EnvironmentIncludePathIsPartOfTheKey) {
  sb().write("inc1/x.h", "#define V 1\n");
  sb().write("inc2/x.h", "#define V 2\n");
  sb().write("a.c", "#include <x.h>\nint value(void) { return V; }\n");
  RunOptions one, two;
  one.env["CPATH"] = sb().path("inc1");
  two.env["CPATH"] = sb().path("inc2");
  CompileResult b1 = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, one);
  CompileResult b2 = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, two);
  EXPECT_NE(b1.files["a.o"], b2.files["a.o"]);
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, one);
}

ZCCACHE_FOR_EACH_COMPILER(Arguments);

}  // namespace
}  // namespace zccache::e2e
