// Links through lld: `zccache gcc|clang -fuse-ld=lld ...`, and ld.lld called directly. The cached
// program is compared byte for byte (and by mode) with the bare link's and run; a changed library
// in a -L directory and a changed map option must miss. Skipped when ld.lld is missing.
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

using Args = std::vector<std::string>;

void let_outputs_settle() { std::this_thread::sleep_for(std::chrono::milliseconds(60)); }

class LldLink : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (find_in_path(GetParam()).empty() || find_in_path("ld.lld").empty() || find_in_path("ar").empty())
      GTEST_SKIP() << GetParam() << ", ld.lld or ar missing";
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
    write_library(value);
    bare({cc(), "-c", "m.c", "-o", "m.o"});
    let_outputs_settle();
  }
  void write_library(int value) {
    sb().make_dir("lib");
    sb().write("lib/f.c", "int f(void) { return " + std::to_string(value) + "; }\n");
    bare({cc(), "-c", "lib/f.c", "-o", "lib/f.o"});
    sb().remove("lib/libf.a");
    bare({"ar", "rcs", "lib/libf.a", "lib/f.o"});
    let_outputs_settle();
  }
  // Bare and cached: the same bytes and mode for every output; the program runs and returns `expect`.
  CompileResult link_same_as_bare(const Args& args, int expect, const Args& outputs = {"prog"}) {
    Args bare_argv{cc()};
    bare_argv.insert(bare_argv.end(), args.begin(), args.end());
    CompileResult plain = sb().compile(bare_argv, outputs);
    Args cached_argv{sb().zccache_bin()};
    cached_argv.insert(cached_argv.end(), bare_argv.begin(), bare_argv.end());
    CompileResult cached = sb().compile(cached_argv, outputs);
    expect_same_compile(plain, cached, "link");
    EXPECT_NE(cached.modes["prog"] & 0111, 0u) << "program not executable";
    RunResult run = sb().run({sb().path("prog")});
    EXPECT_EQ(run.exit_code, expect) << run.describe();
    return cached;
  }
  std::unique_ptr<Sandbox> sb_;
};

TEST_P(LldLink, SecondLinkIsAHitAndTheSameProgram) {
  build_inputs(7);
  const Args args{"-fuse-ld=lld", "-o", "prog", "m.o", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  EXPECT_EQ(sb().status_json()["links_verified"], 1) << "the first miss is linked again and compared";
  link_same_as_bare(args, 7);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 1u) << c.describe();
  // The same command with GNU ld is another key: another linker writes other bytes.
  link_same_as_bare({"-o", "prog", "m.o", "-Llib", "-lf"}, 7);
  EXPECT_EQ(sb().counters().misses, 2u) << sb().counters().describe();
}

TEST_P(LldLink, AChangedLibraryInALDirIsAMiss) {
  build_inputs(7);
  const Args args{"-fuse-ld=lld", "-o", "prog", "m.o", "-Llib", "-lf"};
  link_same_as_bare(args, 7);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  write_library(9);
  link_same_as_bare(args, 9);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_P(LldLink, MapFileIsCachedAndAChangedMapOptionIsAMiss) {
  build_inputs(7);
  const Args args{"-fuse-ld=lld", "-o", "prog", "m.o", "-Llib", "-lf", "-Wl,-Map=prog.map"};
  CompileResult first = link_same_as_bare(args, 7, {"prog", "prog.map"});
  ASSERT_TRUE(first.files["prog.map"].has_value());
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  link_same_as_bare(args, 7, {"prog", "prog.map"});
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  const Args other{"-fuse-ld=lld", "-o", "prog", "m.o", "-Llib", "-lf", "-Wl,-Map,other.map"};
  link_same_as_bare(other, 7, {"prog", "other.map"});
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

INSTANTIATE_TEST_SUITE_P(Drivers, LldLink, ::testing::Values("gcc", "clang"));

// ld.lld called directly, as a driver would run it (crt files and libc from gcc's directories).
TEST(DirectLld, SecondLinkIsAHitAndTheSameFile) {
  if (find_in_path("ld.lld").empty() || find_in_path("gcc").empty()) GTEST_SKIP() << "ld.lld or gcc missing";
  Sandbox sb;
  sb.write("f.c", "int f(void) { return 5; }\nint g(void) { return 6; }\n");
  ASSERT_EQ(sb.run({"gcc", "-fPIC", "-c", "f.c", "-o", "f.o"}).exit_code, 0);
  let_outputs_settle();
  const Args argv{"ld.lld", "-shared", "-o", "libf.so", "f.o", "--hash-style=gnu", "--build-id", "-Map=f.map"};
  CompileResult plain = sb.compile(argv, {"libf.so", "f.map"});
  Args cached_argv{sb.zccache_bin()};
  cached_argv.insert(cached_argv.end(), argv.begin(), argv.end());
  CompileResult cold = sb.compile(cached_argv, {"libf.so", "f.map"});
  expect_same_compile(plain, cold, "cold");
  ASSERT_TRUE(sb.wait_for_stored(1)) << sb.counters().describe();
  CompileResult warm = sb.compile(cached_argv, {"libf.so", "f.map"});
  expect_same_compile(plain, warm, "warm");
  EXPECT_EQ(sb.counters().hits, 1u) << sb.counters().describe();
}

// A linker that writes different bytes on every run (here a wrapper that appends random bytes,
// found in PATH by gcc's -fuse-ld=lld as a real one would be): the daemon's re-run of the first
// miss sees it, stores nothing, and later links pass through as link_nondeterministic.
TEST(LinkDeterminism, ANonDeterministicLinkerIsDetectedAndPassedThrough) {
  if (find_in_path("ld.lld").empty() || find_in_path("gcc").empty()) GTEST_SKIP() << "ld.lld or gcc missing";
  Sandbox sb;
  sb.make_dir("fakebin");
  sb.write("fakebin/ld.lld",
           "#!/bin/sh\n" + find_in_path("ld.lld") +
               " \"$@\" || exit $?\n"
               "out=a.out; prev=\n"
               "for a in \"$@\"; do [ \"$prev\" = -o ] && out=$a; prev=$a; done\n"
               "head -c 16 /dev/urandom >> \"$out\"\n");
  ASSERT_EQ(sb.run({"chmod", "755", sb.path("fakebin/ld.lld")}).exit_code, 0);
  sb.write("m.c", "int main(void) { return 3; }\n");
  ASSERT_EQ(sb.run({"gcc", "-c", "m.c", "-o", "m.o"}).exit_code, 0);
  let_outputs_settle();
  RunOptions opts;
  opts.env = EnvChanges{{"PATH", sb.path("fakebin") + ":" + sb.base_env()["PATH"]}};
  const Args link{sb.zccache_bin(), "gcc", "-fuse-ld=lld", "-o", "prog", "m.o"};
  RunResult first = sb.run(link, opts);
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  ASSERT_TRUE(sb.wait_until([&](const Counters&) { return sb.status_json()["links_nondeterministic"] == 1; }))
      << sb.status_json().dump();
  auto before = sb.read("prog");
  RunResult second = sb.run(link, opts);
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  Counters c = sb.counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.stored, 0u) << c.describe();
  EXPECT_EQ(c.pass("link_nondeterministic"), 1u) << c.describe();
  EXPECT_NE(sb.read("prog"), before) << "the second link ran the linker";
  EXPECT_EQ(sb.run({sb.path("prog")}).exit_code, 3);
}

// gcc's -fuse-ld=lld runs the first ld.lld in PATH: that linker, by content, is in the key.
TEST(LinkerIdentity, TheLinkerTheDriverRunsIsKeyedByContent) {
  if (find_in_path("ld.lld").empty() || find_in_path("gcc").empty()) GTEST_SKIP() << "ld.lld or gcc missing";
  Sandbox sb;
  sb.make_dir("fakebin");
  auto write_wrapper = [&](const std::string& comment) {
    sb.write("fakebin/ld.lld", "#!/bin/sh\n# " + comment + "\nexec " + find_in_path("ld.lld") + " \"$@\"\n");
    ASSERT_EQ(sb.run({"chmod", "755", sb.path("fakebin/ld.lld")}).exit_code, 0);
  };
  write_wrapper("first");
  sb.write("m.c", "int main(void) { return 4; }\n");
  ASSERT_EQ(sb.run({"gcc", "-c", "m.c", "-o", "m.o"}).exit_code, 0);
  let_outputs_settle();
  RunOptions opts;
  opts.env = EnvChanges{{"PATH", sb.path("fakebin") + ":" + sb.base_env()["PATH"]}};
  const Args link{sb.zccache_bin(), "gcc", "-fuse-ld=lld", "-o", "prog", "m.o"};
  ASSERT_EQ(sb.run(link, opts).exit_code, 0);
  ASSERT_TRUE(sb.wait_for_stored(1)) << sb.counters().describe();
  ASSERT_EQ(sb.run(link, opts).exit_code, 0);
  EXPECT_EQ(sb.counters().hits, 1u) << sb.counters().describe();
  write_wrapper("second");  // another linker binary: what it writes is not known
  let_outputs_settle();
  ASSERT_EQ(sb.run(link, opts).exit_code, 0);
  Counters c = sb.counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
  EXPECT_EQ(sb.run({sb.path("prog")}).exit_code, 4);
}

// -Map=/dev/null and -o /dev/null: never written, renamed over or unlinked by the cache.
TEST(LinkOutputs, AMapOrOutputThatIsNotARegularFilePassesThrough) {
  if (find_in_path("gcc").empty()) GTEST_SKIP() << "gcc missing";
  Sandbox sb;
  sb.write("m.c", "int main(void) { return 0; }\n");
  ASSERT_EQ(sb.run({"gcc", "-c", "m.c", "-o", "m.o"}).exit_code, 0);
  let_outputs_settle();
  RunResult r = sb.zccache({"gcc", "-o", "prog", "m.o", "-Wl,-Map=/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  r = sb.zccache({"gcc", "-o", "/dev/null", "m.o"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(sb.counters().pass("output_not_regular"), 2u) << sb.counters().describe();
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

}  // namespace
}  // namespace zccache::e2e
