// Cold then warm: the first compile is a miss that stores, the second a hit that delivers the
// same bytes the bare compiler writes, wherever the object goes and whatever it is named.
#include <sys/stat.h>
#include <time.h>

#include <thread>

#include <fstream>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

using namespace std::chrono_literals;

class Basic : public CompilerTest {};

TEST_P(Basic, ColdThenWarmHitGivesBareObject) {
  sb().write("a.c", kHelloC);
  CompileResult b = miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_TRUE(b.files["a.o"].has_value());
  EXPECT_FALSE(b.files["a.o"]->empty());
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 1u) << c.describe();
  EXPECT_EQ(c.entries, 1u) << c.describe();
  EXPECT_GT(c.size_bytes, 0u) << c.describe();
  EXPECT_EQ(c.errors, 0u) << c.describe();
}

TEST_P(Basic, ManyWarmHitsStayIdentical) {
  sb().write("a.c", kHelloC);
  expect_miss({"-O2", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  for (int i = 0; i < 3; ++i) expect_hit({"-O2", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_EQ(sb().counters().hits, 3u);
}

TEST_P(Basic, CxxColdThenWarmHit) {
  sb().write("a.cpp",
             "#include <vector>\n"
             "#include <string>\n"
             "std::vector<std::string> names() { return {\"a\", \"b\"}; }\n"
             "template <typename T> T sq(T x) { return x * x; }\n"
             "int use() { return sq(3) + static_cast<int>(names().size()); }\n");
  miss_then_hit({"-std=c++17", "-c", "a.cpp", "-o", "a.o"}, {"a.o"}, {}, cxx());
}

TEST_P(Basic, DefaultObjectNameWithoutDashO) {
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c"}, {"a.o"});
}

TEST_P(Basic, ObjectInAnotherDirectory) {
  sb().write("src/a.c", kHelloC);
  sb().make_dir("obj");
  miss_then_hit({"-c", "src/a.c", "-o", "obj/a.o"}, {"obj/a.o"});
}

TEST_P(Basic, AbsolutePathsHit) {
  sb().write("src/a.c", kHelloC);
  sb().make_dir("obj");
  miss_then_hit({"-c", sb().path("src/a.c"), "-o", sb().path("obj/a.o")}, {sb().path("obj/a.o")});
}

TEST_P(Basic, HitDeliveredUnderAnotherOutputName) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  // The output path is not part of the key: another name is served from the same entry.
  expect_hit({"-c", "a.c", "-o", "b.o"}, {"b.o"});
  sb().make_dir("sub");
  expect_hit({"-c", "a.c", "-o", "sub/c.o"}, {"sub/c.o"});
}

TEST_P(Basic, OptionsArePartOfTheKey) {
  sb().write("a.c", kHelloC);
  CompileResult o0 = expect_miss({"-O0", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult o2 = expect_miss({"-O2", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(o0.files["a.o"], o2.files["a.o"]) << "test premise: -O0 and -O2 objects differ";
  expect_hit({"-O0", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-O2", "-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Basic, SourceEditIsAMissAndRevertIsAHit) {
  sb().write("a.c", "int f(void) { return 1; }\n");
  CompileResult one = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  sb().write("a.c", "int f(void) { return 2; }\n");  // same size, new content
  CompileResult two = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]) << "test premise: the edit changes the object";
  sb().write("a.c", "int f(void) { return 1; }\n");
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Basic, HitGetsFreshMtime) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::this_thread::sleep_for(1100ms);  // an mtime copied from the stored entry would be older than this
  struct timespec before;
  ::clock_gettime(CLOCK_REALTIME, &before);
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  struct stat st;
  ASSERT_EQ(::stat(sb().path("a.o").c_str(), &st), 0);
  // Kernel timestamps lag the real clock by up to a tick; one second of slack is far more than that
  // and far less than the sleep above.
  EXPECT_GE(st.st_mtim.tv_sec, before.tv_sec - 1) << "delivered object has a stale mtime";
  struct stat src;
  ASSERT_EQ(::stat(sb().path("a.c").c_str(), &src), 0);
  EXPECT_GT(st.st_mtim.tv_sec, src.st_mtim.tv_sec) << "object must be newer than its source for make";
}

TEST_P(Basic, OutputModeFollowsUmask) {
  sb().write("a.c", kHelloC);
  RunOptions strict;
  strict.umask = 027;
  CompileResult b = miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, strict);
  EXPECT_EQ(b.modes["a.o"], 0640u) << std::oct << b.modes["a.o"];
  RunOptions loose;
  loose.umask = 002;
  CompileResult l = expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, loose);
  EXPECT_EQ(l.modes["a.o"], 0664u) << std::oct << l.modes["a.o"];
}

TEST_P(Basic, SplitDwarfOutputsAreCached) {
  sb().write("a.c", kHelloC);
  CompileResult b = miss_then_hit({"-g", "-gsplit-dwarf", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.dwo"});
  EXPECT_TRUE(b.files["a.dwo"].has_value()) << "test premise: -gsplit-dwarf writes a.dwo";
}

TEST_P(Basic, ExistingOutputIsReplacedOnHit) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  sb().write("a.o", "stale contents that must be replaced");
  Counters before = sb().counters();
  Args argv{sb().zccache_bin(), cc(), "-c", "a.c", "-o", "a.o"};
  RunResult r = sb().run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(same_bytes("a.o", b.files["a.o"], sb().read("a.o")));
  EXPECT_EQ(sb().counters().hits, before.hits + 1);
}

TEST_P(Basic, HitDoesNotWriteThroughAHardlinkedOutput) {
  // A user's a.o that is a hard link to another file: delivery must replace the name, not write into
  // the shared inode (and a later miss must not write into the cache's copy either).
  sb().write("a.c", kHelloC);
  CompileResult b = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  for (int round = 0; round < 2; ++round) {  // on a hit, then on a miss
    if (round == 1) sb().write("a.c", std::string(kHelloC) + "int more(void) { return 3; }\n");
    if (round == 1) b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
    sb().write("keep.bin", "precious");
    sb().remove("a.o");
    ASSERT_EQ(::link(sb().path("keep.bin").c_str(), sb().path("a.o").c_str()), 0);
    Args argv{sb().zccache_bin(), cc(), "-c", "a.c", "-o", "a.o"};
    RunResult r = sb().run(argv);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(sb().read("keep.bin"), FileBytes("precious")) << "round " << round;
    EXPECT_TRUE(same_bytes("a.o", b.files["a.o"], sb().read("a.o"))) << "round " << round;
  }
  EXPECT_EQ(sb().counters().hits, 1u);
}

// A hit may hardlink a.o to the cache: appending to it must not reach what the next hit serves.
TEST_P(Basic, AppendToADeliveredObjectIsNeverServed) {
  sb().write("a.c", kHelloC);
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  { std::ofstream(sb().path("a.o"), std::ios::app) << "x"; }
  CompileResult again = cached({"-c", "a.c", "-o", "b.o"}, {"b.o"});
  EXPECT_EQ(again.run.exit_code, 0) << again.run.describe();
  EXPECT_TRUE(same_bytes("b.o", b.files["a.o"], sb().read("b.o")));
}

// After a hardlinked hit, a miss that writes a.o (the assembler may write in place) must not
// change the cached object: going back to the first source serves the first object.
TEST_P(Basic, MissAfterHardlinkedHitLeavesTheCacheIntact) {
  sb().write("a.c", "int v(void) { return 1; }\n");
  CompileResult first = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  sb().write("a.c", "int v(void) { return 2; }\n");
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  sb().write("a.c", "int v(void) { return 1; }\n");
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_TRUE(same_bytes("a.o", first.files["a.o"], sb().read("a.o")));
}

TEST_P(Basic, HitIntoAMissingDirectoryFailsLikeBare) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult b = compile_both({"-c", "a.c", "-o", "no/such/dir/a.o"}, {"no/such/dir/a.o"});
  EXPECT_NE(b.run.exit_code, 0) << "test premise: the bare compiler cannot create the object";
  EXPECT_FALSE(sb().exists("no")) << "zccache created the missing directory";
  // The entry is not the problem: it still serves the next compile into an existing directory.
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Basic, ReplacedCompilerIsAMiss) {
  // A wrapper script is the "compiler": replacing it by one of the same size, with the same mtime,
  // changes the compiler's identity (only ctime shows the change).
  sb().write("a.c", "int value(void) { return V; }\n");
  std::string real = find_in_path(cc());
  sb().write("tools/cc", "#!/bin/sh\nexec " + real + " -DV=1 \"$@\"\n");
  ASSERT_EQ(::chmod(sb().path("tools/cc").c_str(), 0755), 0);
  std::string wrapper = sb().path("tools/cc");
  CompileResult one = miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, wrapper);
  struct timespec old_mtime = sb().mtime("tools/cc");
  sb().write("tools/cc", "#!/bin/sh\nexec " + real + " -DV=2 \"$@\"\n");
  sb().set_mtime_exact("tools/cc", old_mtime);
  CompileResult two = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, wrapper);
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

ZCCACHE_FOR_EACH_COMPILER(Basic);

}  // namespace
}  // namespace zccache::e2e
