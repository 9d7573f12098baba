// A compiler named without a '/' (`zccache cc ...`, a masquerade symlink) is searched in the
// build's PATH by the daemon, whose directory listings the watcher keeps current: a compiler put
// earlier in PATH, removed, or made executable counts from the very next compile, with no sleep.
#include <sys/stat.h>
#include <unistd.h>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

TEST(PathSearch, EveryChangeOfWhatPathFindsCountsAtTheNextCompile) {
  const std::string gcc = find_in_path("gcc"), clang = find_in_path("clang");
  if (gcc.empty() || clang.empty()) GTEST_SKIP() << "needs gcc and clang";
  Sandbox sb;
  sb.write("a.c", "int answer(void) { return 42; }\n");
  sb.make_dir("first");
  sb.make_dir("second");
  ASSERT_EQ(::symlink(gcc.c_str(), sb.path("second/cc").c_str()), 0);
  RunOptions opts;
  opts.env["PATH"] = sb.path("first") + ":" + sb.path("second") + ":" + sb.base_env()["PATH"];

  const FileBytes by_gcc = sb.compile({gcc, "-c", "a.c", "-o", "a.o"}, {"a.o"}).files["a.o"];
  const FileBytes by_clang = sb.compile({clang, "-c", "a.c", "-o", "a.o"}, {"a.o"}).files["a.o"];
  ASSERT_TRUE(by_gcc && by_clang);
  ASSERT_NE(*by_gcc, *by_clang);
  // Compiles through zccache and returns the object, expecting `hits` and `misses` more.
  auto through = [&](const char* step, uint64_t hits, uint64_t misses) {
    Counters before = sb.counters();
    CompileResult r = sb.compile({sb.zccache_bin(), "cc", "-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
    EXPECT_EQ(r.run.exit_code, 0) << step << ": " << r.run.describe();
    Counters after = sb.counters();
    EXPECT_EQ(after.hits, before.hits + hits) << step << ": " << after.describe();
    EXPECT_EQ(after.misses, before.misses + misses) << step << ": " << after.describe();
    if (misses) EXPECT_TRUE(sb.wait_for_stored(before.stored + misses)) << step;
    return r.files["a.o"];
  };

  EXPECT_EQ(through("second/cc is gcc", 0, 1), by_gcc);
  EXPECT_EQ(through("again", 1, 0), by_gcc);
  ASSERT_EQ(::symlink(clang.c_str(), sb.path("first/cc").c_str()), 0);
  EXPECT_EQ(through("first/cc is clang", 0, 1), by_clang);
  EXPECT_EQ(through("again", 1, 0), by_clang);
  ASSERT_EQ(::unlink(sb.path("first/cc").c_str()), 0);
  EXPECT_EQ(through("first/cc removed", 1, 0), by_gcc);
  // A file that cannot run is skipped, as the shell skips it; made executable, it is the compiler.
  sb.write("first/cc", "#!/bin/sh\nexec " + clang + " \"$@\"\n");
  ASSERT_EQ(::chmod(sb.path("first/cc").c_str(), 0644), 0);
  EXPECT_EQ(through("first/cc not executable", 1, 0), by_gcc);
  ASSERT_EQ(::chmod(sb.path("first/cc").c_str(), 0755), 0);
  EXPECT_EQ(through("first/cc a script running clang", 0, 1), by_clang);
}

// A relative entry is the build's working directory, not the daemon's.
TEST(PathSearch, ARelativeEntryIsTheBuildsWorkingDirectory) {
  const std::string clang = find_in_path("clang");
  if (clang.empty()) GTEST_SKIP() << "needs clang";
  Sandbox sb;
  sb.write("a.c", "int answer(void) { return 42; }\n");
  sb.make_dir("tools");
  ASSERT_EQ(::symlink(clang.c_str(), sb.path("tools/cc").c_str()), 0);
  const FileBytes by_clang = sb.compile({clang, "-c", "a.c", "-o", "a.o"}, {"a.o"}).files["a.o"];
  RunOptions opts;
  opts.env["PATH"] = "tools:./tools:" + sb.base_env()["PATH"];
  for (int i = 0; i < 2; ++i) {  // a miss, then a hit
    CompileResult r = sb.compile({sb.zccache_bin(), "cc", "-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
    ASSERT_EQ(r.run.exit_code, 0) << r.run.describe();
    EXPECT_EQ(r.files["a.o"], by_clang) << "compile " << i;
    if (i == 0) EXPECT_TRUE(sb.wait_for_stored(1));
  }
  EXPECT_EQ(sb.counters().hits, 1u);
}

TEST(PathSearch, ANameFoundNowhereSaysSoLikeTheShell) {
  Sandbox sb;
  sb.write("a.c", "int answer(void) { return 42; }\n");
  sb.make_dir("empty");
  RunOptions opts;
  opts.env["PATH"] = sb.path("empty");
  for (int i = 0; i < 2; ++i) {  // the first starts the daemon, the second finds it running
    RunResult r = sb.run({sb.zccache_bin(), "no-such-cc", "-c", "a.c", "-o", "a.o"}, opts);
    EXPECT_EQ(r.exit_code, 127) << r.describe();
    EXPECT_NE(r.err.find("compiler 'no-such-cc' not found in PATH"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(sb.counters().daemon_running);
  EXPECT_EQ(sb.status_json()["passthrough"].value("compiler_not_found", 0), 2) << sb.status_json().dump();
}

}  // namespace
}  // namespace zccache::e2e
