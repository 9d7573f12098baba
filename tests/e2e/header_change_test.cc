// Headers: a hit needs every file the compile read to be unchanged, and no new file in a directory
// searched before the one that held a header (the shadowing case that direct-mode caches get wrong).
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class Headers : public CompilerTest {};

TEST_P(Headers, DirectHeaderEditIsAMiss) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint value(void) { return V; }\n");
  Args args{"-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"});
  sb().write("h.h", "#define V 2\n");  // same size
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]) << "test premise: the edit changes the object";
  expect_hit(args, {"a.o"});
  // Back to the first content: the manifest still knows that include set.
  sb().write("h.h", "#define V 1\n");
  expect_hit(args, {"a.o"});
}

// The watcher's ordering guarantee: a header edited right before the compile (no sleep, no
// backdating) is always seen. Every variant is cached first, so a stale view of the header would
// be served as a hit of the wrong variant.
TEST_P(Headers, EditThenCompileImmediatelyIsNeverStale) {
  constexpr int kVariants = 8;
  constexpr int kRounds = 500;
  sb().write("a.c", "#include \"h.h\"\nint value(void) { return V; }\n");
  Args args{"-c", "a.c", "-o", "a.o"};
  auto variant = [](int k) { return "#define V " + std::to_string(1000 + k) + "\n"; };
  std::vector<std::string> objects;
  for (int k = 0; k < kVariants; ++k) {
    sb().write("h.h", variant(k));
    objects.push_back(miss_then_hit(args, {"a.o"}).files["a.o"].value_or(""));
  }
  unsigned seed = 12345;
  for (int round = 0; round < kRounds; ++round) {
    seed = seed * 1103515245u + 12345u;
    int k = static_cast<int>((seed >> 16) % kVariants);
    {
      std::ofstream out(sb().path("h.h"), std::ios::trunc);
      out << variant(k);
    }
    RunResult r = sb().zccache({cc(), "-c", "a.c", "-o", "a.o"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    ASSERT_TRUE(same_bytes("a.o", objects[k], sb().read("a.o"))) << "stale object in round " << round;
  }
}

TEST_P(Headers, TransitiveHeaderEditIsAMiss) {
  sb().write("inc/outer.h", "#include \"inner.h\"\n");
  sb().write("inc/inner.h", "#include \"deepest.h\"\n");
  sb().write("inc/deepest.h", "#define V 10\n");
  sb().write("a.c", "#include <outer.h>\nint value(void) { return V; }\n");
  Args args{"-Iinc", "-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"});
  sb().write("inc/deepest.h", "#define V 20\n");
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
  expect_hit(args, {"a.o"});
}

TEST_P(Headers, SystemStyleHeaderEditIsAMiss) {
  sb().write("sys/lib.h", "#define LIBV 100\n");
  sb().write("a.c", "#include <lib.h>\nint value(void) { return LIBV; }\n");
  Args args{"-isystem", "sys", "-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"});
  sb().write("sys/lib.h", "#define LIBV 200\n");
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(Headers, SystemStyleHeaderEditIsAMissWithMMD) {
  // -MMD leaves system headers out of the user's depfile; the cache must still track them.
  sb().write("sys/lib.h", "#define LIBV 100\n");
  sb().write("a.c", "#include <lib.h>\nint value(void) { return LIBV; }\n");
  Args args{"-isystem", "sys", "-MMD", "-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o", "a.d"});
  sb().write("sys/lib.h", "#define LIBV 200\n");
  CompileResult two = expect_miss(args, {"a.o", "a.d"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(Headers, NewHeaderShadowingAnEarlierIncludeDirIsNotStale) {
  sb().write("second/x.h", "#define V 2\n");
  sb().make_dir("first");
  sb().write("src/a.c", "#include <x.h>\nint value(void) { return V; }\n");
  Args args{"-Ifirst", "-Isecond", "-c", "src/a.c", "-o", "a.o"};
  CompileResult old_obj = miss_then_hit(args, {"a.o"});
  // first/ is searched before second/: the new header wins for the bare compiler.
  sb().write("first/x.h", "#define V 1\n");
  CompileResult new_obj = expect_miss(args, {"a.o"});
  EXPECT_NE(old_obj.files["a.o"], new_obj.files["a.o"]) << "test premise: the new header changes the object";
  expect_hit(args, {"a.o"});
  // Removing it again brings back the old include set.
  sb().remove("first/x.h");
  expect_hit(args, {"a.o"});
}

// The compiler leaves a nonexistent -I directory out of the search list it prints; one created
// later with a header in it shadows the header used before.
TEST_P(Headers, NewHeaderInAnIncludeDirThatDidNotExistIsNotStale) {
  sb().write("inc/x.h", "#define V 2\n");
  sb().write("src/a.c", "#include <x.h>\nint value(void) { return V; }\n");
  Args args{"-Inot-yet", "-Iinc", "-c", "src/a.c", "-o", "a.o"};
  CompileResult old_obj = miss_then_hit(args, {"a.o"});
  sb().write("not-yet/x.h", "#define V 1\n");
  CompileResult new_obj = expect_miss(args, {"a.o"});
  EXPECT_NE(old_obj.files["a.o"], new_obj.files["a.o"]) << "test premise: the new header changes the object";
  expect_hit(args, {"a.o"});
}

TEST_P(Headers, NewQuotedHeaderBesideTheSourceIsNotStale) {
  // "x.h" is looked up in the source's directory before any -I directory.
  sb().write("inc/x.h", "#define V 2\n");
  sb().write("src/a.c", "#include \"x.h\"\nint value(void) { return V; }\n");
  Args args{"-Iinc", "-c", "src/a.c", "-o", "a.o"};
  CompileResult old_obj = miss_then_hit(args, {"a.o"});
  sb().write("src/x.h", "#define V 1\n");
  CompileResult new_obj = expect_miss(args, {"a.o"});
  EXPECT_NE(old_obj.files["a.o"], new_obj.files["a.o"]);
}

TEST_P(Headers, NewHeaderShadowingASystemStyleDirIsNotStale) {
  sb().write("sys/x.h", "#define V 2\n");
  sb().make_dir("user");
  sb().write("a.c", "#include <x.h>\nint value(void) { return V; }\n");
  Args args{"-Iuser", "-isystem", "sys", "-c", "a.c", "-o", "a.o"};
  CompileResult old_obj = miss_then_hit(args, {"a.o"});
  sb().write("user/x.h", "#define V 1\n");
  CompileResult new_obj = expect_miss(args, {"a.o"});
  EXPECT_NE(old_obj.files["a.o"], new_obj.files["a.o"]);
}

TEST_P(Headers, NewHeaderShadowingATransitiveIncludeIsNotStale) {
  // outer.h (in second/) includes <y.h>, also found in second/; a new first/y.h wins.
  sb().write("second/outer.h", "#include <y.h>\n");
  sb().write("second/y.h", "#define V 2\n");
  sb().make_dir("first");
  sb().write("a.c", "#include <outer.h>\nint value(void) { return V; }\n");
  Args args{"-Ifirst", "-Isecond", "-c", "a.c", "-o", "a.o"};
  CompileResult old_obj = miss_then_hit(args, {"a.o"});
  sb().write("first/y.h", "#define V 1\n");
  CompileResult new_obj = expect_miss(args, {"a.o"});
  EXPECT_NE(old_obj.files["a.o"], new_obj.files["a.o"]);
}

TEST_P(Headers, HasIncludeProbeForANewHeaderIsNotStale) {
  sb().make_dir("inc");
  sb().write("a.c",
             "#if __has_include(<opt.h>)\n"
             "#include <opt.h>\n"
             "#else\n"
             "#define V 0\n"
             "#endif\n"
             "int value(void) { return V; }\n");
  Args args{"-Iinc", "-c", "a.c", "-o", "a.o"};
  CompileResult without = miss_then_hit(args, {"a.o"});
  sb().write("inc/opt.h", "#define V 5\n");
  CompileResult with = expect_miss(args, {"a.o"});
  EXPECT_NE(without.files["a.o"], with.files["a.o"]);
}

TEST_P(Headers, DeletedHeaderGivesTheBareError) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint value(void) { return V; }\n");
  Args args{"-c", "a.c", "-o", "a.o"};
  miss_then_hit(args, {"a.o"});
  sb().remove("h.h");
  Counters before = sb().counters();
  CompileResult b = compile_both(args, {"a.o"});
  EXPECT_NE(b.run.exit_code, 0) << "test premise: the bare compile fails without h.h";
  EXPECT_NE(b.run.err.find("h.h"), std::string::npos);
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, before.hits) << "a hit was served for a compile that must fail; " << after.describe();
  // Twice: a failure is not cached either.
  compile_both(args, {"a.o"});
  EXPECT_EQ(sb().counters().hits, before.hits);
}

TEST_P(Headers, HeaderReplacedByRenameIsAMiss) {
  // Editors save by writing a new file and renaming it over the old one (new inode).
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint value(void) { return V; }\n");
  Args args{"-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"});
  sb().write("h.h.tmp", "#define V 3\n");
  ASSERT_EQ(::rename(sb().path("h.h.tmp").c_str(), sb().path("h.h").c_str()), 0);
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(Headers, CxxHeaderEditIsAMiss) {
  sb().write("h.hpp", "constexpr int kV = 1;\n");
  sb().write("a.cpp", "#include \"h.hpp\"\n#include <cstddef>\nint value() { return kV; }\n");
  Args args{"-c", "a.cpp", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"}, {}, cxx());
  sb().write("h.hpp", "constexpr int kV = 2;\n");
  CompileResult two = expect_miss(args, {"a.o"}, {}, cxx());
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(Headers, SameSizeEditKeepingTheMtimeIsAMiss) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint value(void) { return V; }\n");
  Args args{"-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"});
  struct timespec old_mtime = sb().mtime("h.h");
  sb().write("h.h", "#define V 7\n");
  sb().set_mtime_exact("h.h", old_mtime);
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(Headers, RetargetedSymlinkHeaderIsAMiss) {
  sb().write("inc/v1.h", "#define V 1\n");
  sb().write("inc/v2.h", "#define V 2\n");
  ASSERT_EQ(::symlink("v1.h", sb().path("inc/h.h").c_str()), 0);
  sb().write("a.c", "#include <h.h>\nint value(void) { return V; }\n");
  Args args{"-Iinc", "-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"});
  sb().remove("inc/h.h");
  ASSERT_EQ(::symlink("v2.h", sb().path("inc/h.h").c_str()), 0);
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(Headers, RelativeHeadersResolveInEachWorkingDirectory) {
  // Two checkouts with the same layout and relative arguments but different header contents.
  sb().write("d1/a.c", "#include \"inc/h.h\"\nint value(void) { return V; }\n");
  sb().write("d1/inc/h.h", "#define V 1\n");
  sb().write("d2/a.c", "#include \"inc/h.h\"\nint value(void) { return V; }\n");
  sb().write("d2/inc/h.h", "#define V 2\n");
  RunOptions in_d1, in_d2;
  in_d1.cwd = "d1";
  in_d2.cwd = "d2";
  Args args{"-c", "a.c", "-o", "a.o"};
  CompileResult one = miss_then_hit(args, {"a.o"}, in_d1);
  CompileResult two = compile_both(args, {"a.o"}, in_d2);
  EXPECT_NE(one.files["a.o"], two.files["a.o"]) << "test premise";
  // Same contents in a third checkout: equal to bare, whether served from the cache or not.
  sb().copy_tree("d1", "d3");
  RunOptions in_d3;
  in_d3.cwd = "d3";
  compile_both(args, {"a.o"}, in_d3);
}

ZCCACHE_FOR_EACH_COMPILER(Headers);

}  // namespace
}  // namespace zccache::e2e
