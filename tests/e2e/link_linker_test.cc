// What a link's entry depends on besides its inputs: the linker (ld.lld called directly; the
// ld.lld a driver runs, by content), whether the linker writes the same bytes twice (the
// determinism check), and outputs that are not regular files. Skipped when a tool is missing.
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

// fakebin/ld.lld: a shell script that runs the real ld.lld, then `after` (with $out the -o file).
// gcc's -fuse-ld=lld takes the first ld.lld in PATH, so PATH=fakebin:... makes it the linker.
RunOptions with_fake_lld(Sandbox& sb, const std::string& comment, const std::string& after) {
  sb.make_dir("fakebin");
  sb.write("fakebin/ld.lld", "#!/bin/sh\n# " + comment + "\n" + find_in_path("ld.lld") +
                                 " \"$@\" || exit $?\n"
                                 "out=a.out; prev=\n"
                                 "for a in \"$@\"; do [ \"$prev\" = -o ] && out=$a; prev=$a; done\n" +
                                 after + "\n");
  EXPECT_EQ(sb.run({"chmod", "755", sb.path("fakebin/ld.lld")}).exit_code, 0);
  RunOptions opts;
  opts.env = EnvChanges{{"PATH", sb.path("fakebin") + ":" + sb.base_env()["PATH"]}};
  return opts;
}

// m.o: main returns `value`.
void main_object(Sandbox& sb, int value) {
  sb.write("m.c", "int main(void) { return " + std::to_string(value) + "; }\n");
  ASSERT_EQ(sb.run({"gcc", "-c", "m.c", "-o", "m.o"}).exit_code, 0);
  let_outputs_settle();
}

// ld.lld called directly (a shared library: no crt files or libc to name).
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
  RunOptions opts = with_fake_lld(sb, "random", "head -c 16 /dev/urandom >> \"$out\"");
  main_object(sb, 3);
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
  // The journal names the reason (written off the request path: polled).
  bool journalled = false;
  for (int i = 0; i < 100 && !journalled; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string text = sb.read(sb.cache_dir() + "/logs/compile_journal.jsonl").value_or("");
    journalled = text.find("\"reason\":\"link_nondeterministic\"") != std::string::npos;
  }
  EXPECT_TRUE(journalled);
}

// gcc's -fuse-ld=lld runs the first ld.lld in PATH: that linker, by content, is in the key.
TEST(LinkerIdentity, TheLinkerTheDriverRunsIsKeyedByContent) {
  if (find_in_path("ld.lld").empty() || find_in_path("gcc").empty()) GTEST_SKIP() << "ld.lld or gcc missing";
  Sandbox sb;
  RunOptions opts = with_fake_lld(sb, "first", "");
  main_object(sb, 4);
  const Args link{sb.zccache_bin(), "gcc", "-fuse-ld=lld", "-o", "prog", "m.o"};
  ASSERT_EQ(sb.run(link, opts).exit_code, 0);
  ASSERT_TRUE(sb.wait_for_stored(1)) << sb.counters().describe();
  ASSERT_EQ(sb.run(link, opts).exit_code, 0);
  EXPECT_EQ(sb.counters().hits, 1u) << sb.counters().describe();
  with_fake_lld(sb, "second", "");  // another linker binary: what it writes is not known
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
  main_object(sb, 0);
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
