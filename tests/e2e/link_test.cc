// Links and archives through zccache: `zccache gcc|clang -o prog a.o -L dir -lf` and
// `zccache ar rcs lib.a ...`. The cached program and archive are compared byte for byte (and by
// mode) with the bare tool's, the program is run, and each input change (an object, a library in a
// -L dir, a new library earlier in the search path, an archive member) must give a miss and the
// program or archive the bare tool would give. Skipped when the compiler or ar is missing.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

using Args = std::vector<std::string>;

// The daemon stores nothing whose inputs changed within ~20 ms of the link's start (sandbox.h);
// objects made by a bare compile a moment ago need that long to count as settled.
void let_outputs_settle() { std::this_thread::sleep_for(std::chrono::milliseconds(60)); }

class Link : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (find_in_path(GetParam()).empty() || find_in_path("ar").empty()) GTEST_SKIP() << GetParam() << " or ar missing";
    sb_ = std::make_unique<Sandbox>();
  }
  Sandbox& sb() { return *sb_; }
  const std::string& cc() const { return GetParam(); }

  void bare(const Args& argv) {
    RunResult r = sb().run(argv);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  // m.o calls f() from lib/libf.a, which returns `value`.
  void build_inputs(int value) {
    sb().write("m.c", "int f(void);\nint main(void) { return f(); }\n");
    write_library("lib", value);
    bare({cc(), "-c", "m.c", "-o", "m.o"});
  }
  void write_library(const std::string& dir, int value) {
    sb().make_dir(dir);
    sb().write(dir + "/f.c", "int f(void) { return " + std::to_string(value) + "; }\n");
    bare({cc(), "-c", dir + "/f.c", "-o", dir + "/f.o"});
    sb().remove(dir + "/libf.a");
    bare({"ar", "rcs", dir + "/libf.a", dir + "/f.o"});
    let_outputs_settle();
  }
  // Links bare and through zccache; the two programs must be the same bytes and mode, and the
  // cached one must run and return `expect`.
  CompileResult link_same_as_bare(const Args& args, int expect, const RunOptions& run_opts = {}) {
    Args bare_argv{cc()};
    bare_argv.insert(bare_argv.end(), args.begin(), args.end());
    CompileResult plain = sb().compile(bare_argv, {"prog"});
    Args cached_argv{sb().zccache_bin()};
    cached_argv.insert(cached_argv.end(), bare_argv.begin(), bare_argv.end());
    CompileResult cached = sb().compile(cached_argv, {"prog"});
    expect_same_compile(plain, cached, "link");
    EXPECT_NE(cached.modes["prog"] & 0111, 0u) << "program not executable";
    RunResult run = sb().run({sb().path("prog")}, run_opts);
    EXPECT_EQ(run.exit_code, expect) << run.describe();
    return cached;
  }

  std::unique_ptr<Sandbox> sb_;
};

TEST_P(Link, SecondLinkIsAHitAndTheSameProgram) {
  build_inputs(7);
  const Args args{"-o", "prog", "m.o", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  link_same_as_bare(args, 7);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 1u) << c.describe();
  EXPECT_EQ(journal_outcomes(sb(), 2), (std::vector<std::string>{"link_miss", "link_hit"}));
}

TEST_P(Link, AChangedObjectIsAMiss) {
  build_inputs(7);
  const Args args{"-o", "prog", "m.o", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  sb().write("m.c", "int f(void);\nint main(void) { return f() + 1; }\n");
  bare({cc(), "-c", "m.c", "-o", "m.o"});
  let_outputs_settle();
  link_same_as_bare(args, 8);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_P(Link, AChangedLibraryIsAMiss) {
  build_inputs(7);
  const Args args{"-o", "prog", "m.o", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  write_library("lib", 9);
  link_same_as_bare(args, 9);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_P(Link, ANewLibraryEarlierInTheSearchPathIsAMiss) {
  build_inputs(7);
  sb().make_dir("early");
  const Args args{"-o", "prog", "m.o", "-Learly", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  link_same_as_bare(args, 7);
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  write_library("early", 5);  // -Learly comes first: the linker now takes early/libf.a
  link_same_as_bare(args, 5);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_P(Link, ASharedLibraryBesideTheArchiveIsAMiss) {
  build_inputs(7);
  const Args args{"-o", "prog", "m.o", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  // The linker prefers lib/libf.so to lib/libf.a in the same directory.
  sb().write("lib/g.c", "int f(void) { return 4; }\n");
  bare({cc(), "-shared", "-fPIC", "lib/g.c", "-o", "lib/libf.so"});
  let_outputs_settle();
  RunOptions with_lib;
  with_lib.env = EnvChanges{{"LD_LIBRARY_PATH", sb().path("lib")}};
  link_same_as_bare(args, 4, with_lib);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_P(Link, UnmodelledLinksPassThrough) {
  build_inputs(7);
  CompileResult r = sb().compile({sb().zccache_bin(), cc(), "-o", "prog", "m.o", "-Llib", "-lf", "-Wl,-Map=prog.map"},
                                 {"prog"});
  EXPECT_EQ(r.run.exit_code, 0) << r.run.describe();
  EXPECT_TRUE(sb().exists("prog.map"));
  EXPECT_EQ(sb().counters().pass("link_unsupported"), 1u) << sb().counters().describe();
}

INSTANTIATE_TEST_SUITE_P(Drivers, Link, ::testing::Values("gcc", "clang"));

class Archive : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_in_path("gcc").empty() || find_in_path("ar").empty()) GTEST_SKIP() << "gcc or ar missing";
    sb_ = std::make_unique<Sandbox>();
  }
  Sandbox& sb() { return *sb_; }
  void object(const std::string& name, int value) {
    sb().write(name + ".c", "int " + name + "(void) { return " + std::to_string(value) + "; }\n");
    RunResult r = sb().run({"gcc", "-c", name + ".c", "-o", name + ".o"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    let_outputs_settle();
  }
  // `ar rcs lib.a a.o b.o` bare and through zccache, each from no archive: same bytes and mode.
  void archive_same_as_bare() {
    CompileResult plain = sb().compile({"ar", "rcs", "lib.a", "a.o", "b.o"}, {"lib.a"});
    CompileResult cached = sb().compile({sb().zccache_bin(), "ar", "rcs", "lib.a", "a.o", "b.o"}, {"lib.a"});
    expect_same_compile(plain, cached, "ar");
  }
  std::unique_ptr<Sandbox> sb_;
};

TEST_F(Archive, SecondArchiveIsAHitAndAChangedMemberAMiss) {
  object("a", 1);
  object("b", 2);
  archive_same_as_bare();
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  archive_same_as_bare();
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  EXPECT_EQ(journal_outcomes(sb(), 2), (std::vector<std::string>{"link_miss", "link_hit"}));
  object("b", 3);
  archive_same_as_bare();
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_F(Archive, NonDeterministicModePassesThrough) {
  object("a", 1);
  RunResult r = sb().zccache({"ar", "rcsU", "lib.a", "a.o"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(sb().counters().pass("archive_mode"), 1u) << sb().counters().describe();
}

}  // namespace
}  // namespace zccache::e2e
