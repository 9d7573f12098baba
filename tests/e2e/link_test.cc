// Links and archives through zccache: `zccache gcc|clang [-fuse-ld=lld] -o prog a.o -L dir -lf`
// and `zccache ar rcs lib.a ...`. The cached program and archive are compared byte for byte (and by
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

// A driver and the linker flags of its link (-fuse-ld=lld, or none for its GNU ld).
struct Linker {
  std::string cc;
  Args flags;
  std::string name;
};

class Link : public ::testing::TestWithParam<Linker> {
 protected:
  void SetUp() override {
    if (find_in_path(cc()).empty() || find_in_path("ar").empty()) GTEST_SKIP() << cc() << " or ar missing";
    for (const auto& flag : GetParam().flags) {
      std::string linker = "ld." + flag.substr(flag.find('=') + 1);  // -fuse-ld=NAME runs ld.NAME
      if (find_in_path(linker).empty()) GTEST_SKIP() << linker << " missing";
    }
    sb_ = std::make_unique<Sandbox>();
  }
  Sandbox& sb() { return *sb_; }
  const std::string& cc() const { return GetParam().cc; }
  // The driver and the linker flags, then `args`.
  Args link_argv(const Args& args) const {
    Args argv{cc()};
    argv.insert(argv.end(), GetParam().flags.begin(), GetParam().flags.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

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
    Args bare_argv = link_argv(args);
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
  EXPECT_EQ(sb().status_json()["links_verified"], 1) << "the first miss is linked again and compared";
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
  Args argv = link_argv({"-o", "prog", "m.o", "-Llib", "-lf", "-Wl,--verbose"});
  argv.insert(argv.begin(), sb().zccache_bin());
  CompileResult r = sb().compile(argv, {"prog"});
  EXPECT_EQ(r.run.exit_code, 0) << r.run.describe();
  EXPECT_TRUE(r.files["prog"].has_value());
  EXPECT_EQ(sb().counters().pass("link_unsupported"), 1u) << sb().counters().describe();
}

// GNU ld's map names the output and every input as given: all in the key, so it is delivered as
// the first link wrote it.
TEST_P(Link, MapFileIsCachedAndAChangedMapOptionIsAMiss) {
  build_inputs(7);
  const Args args{"-o", "prog", "m.o", "-Llib", "-lf", "-Wl,-Map=prog.map"};
  auto map_same_as_bare = [&](const Args& a, const std::string& map) {
    Args bare_argv = link_argv(a);
    CompileResult plain = sb().compile(bare_argv, {"prog", map});
    ASSERT_TRUE(plain.files[map].has_value());
    Args cached_argv{sb().zccache_bin()};
    cached_argv.insert(cached_argv.end(), bare_argv.begin(), bare_argv.end());
    expect_same_compile(plain, sb().compile(cached_argv, {"prog", map}), "link with map");
  };
  map_same_as_bare(args, "prog.map");
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  map_same_as_bare(args, "prog.map");
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  map_same_as_bare({"-o", "prog", "m.o", "-Llib", "-lf", "-Xlinker", "-Map", "-Xlinker", "b.map"}, "b.map");
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

INSTANTIATE_TEST_SUITE_P(Drivers, Link,
                         ::testing::Values(Linker{"gcc", {}, "gcc"}, Linker{"clang", {}, "clang"},
                                           Linker{"gcc", {"-fuse-ld=lld"}, "gcc_lld"},
                                           Linker{"clang", {"-fuse-ld=lld"}, "clang_lld"},
                                           Linker{"gcc", {"-fuse-ld=gold"}, "gcc_gold"}),
                         [](const ::testing::TestParamInfo<Linker>& info) { return info.param.name; });

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
