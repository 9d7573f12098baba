// Masquerade: a symlink named like the compiler, first in PATH, pointing at zccache, caches the
// next real compiler in PATH (never itself, even through several such symlinks). And compilers
// are recognised by what the binary is, not by the name they are called by.
#include <unistd.h>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class Masquerade : public CompilerTest {
 protected:
  // dir/<name> -> zccache
  void link_zccache(const std::string& dir, const std::string& name) {
    sb().make_dir(dir);
    ASSERT_EQ(::symlink(sb().zccache_bin().c_str(), sb().path(dir + "/" + name).c_str()), 0);
  }
  RunOptions with_path_first(const std::vector<std::string>& dirs) {
    RunOptions opts;
    std::string path;
    for (const auto& d : dirs) path += sb().path(d) + ":";
    opts.env["PATH"] = path + sb().base_env()["PATH"];
    return opts;
  }
  // `argv` run bare (plain PATH) and `masq_argv` (default: argv) masqueraded with `masq`; expects the
  // same results and the given changes of the hit and miss counters.
  void compare(const Args& argv, const RunOptions& masq, uint64_t expected_new_hits, uint64_t expected_new_misses,
               const Args& masq_argv = {}) {
    Counters before = sb().counters();
    CompileResult b = sb().compile(argv, {"a.o"});
    ASSERT_EQ(b.run.exit_code, 0) << b.run.describe();
    CompileResult m = sb().compile(masq_argv.empty() ? argv : masq_argv, {"a.o"}, masq);
    expect_same_compile(b, m);
    Counters after = sb().counters();
    EXPECT_EQ(after.hits, before.hits + expected_new_hits) << after.describe();
    EXPECT_EQ(after.misses, before.misses + expected_new_misses) << after.describe();
    if (expected_new_misses) {
      EXPECT_TRUE(sb().wait_for_stored(before.stored + expected_new_misses));
    }
  }
};

TEST_P(Masquerade, SymlinkFirstInPathCaches) {
  sb().write("a.c", kHelloC);
  link_zccache("masq", cc());
  RunOptions masq = with_path_first({"masq"});
  compare({cc(), "-c", "a.c", "-o", "a.o"}, masq, 0, 1);
  compare({cc(), "-c", "a.c", "-o", "a.o"}, masq, 1, 0);
}

TEST_P(Masquerade, CxxSymlinkCaches) {
  sb().write("a.cpp", "int sq(int x) { return x * x; }\n");
  link_zccache("masq", cxx());
  RunOptions masq = with_path_first({"masq"});
  compare({cxx(), "-c", "a.cpp", "-o", "a.o"}, masq, 0, 1);
  compare({cxx(), "-c", "a.cpp", "-o", "a.o"}, masq, 1, 0);
}

TEST_P(Masquerade, TwoMasqueradeDirectoriesDoNotLoop) {
  sb().write("a.c", kHelloC);
  link_zccache("masq1", cc());
  link_zccache("masq2", cc());
  RunOptions masq = with_path_first({"masq1", "masq2"});
  masq.timeout = std::chrono::seconds(60);
  compare({cc(), "-c", "a.c", "-o", "a.o"}, masq, 0, 1);
  compare({cc(), "-c", "a.c", "-o", "a.o"}, masq, 1, 0);
}

TEST_P(Masquerade, SymlinkCalledByAbsolutePath) {
  sb().write("a.c", kHelloC);
  link_zccache("masq", cc());
  // PATH does not contain masq/: the real compiler is the first cc() in PATH.
  compare({cc(), "-c", "a.c", "-o", "a.o"}, {}, 0, 1, {sb().path("masq/" + cc()), "-c", "a.c", "-o", "a.o"});
  compare({cc(), "-c", "a.c", "-o", "a.o"}, {}, 1, 0, {sb().path("masq/" + cc()), "-c", "a.c", "-o", "a.o"});
}

TEST_P(Masquerade, DisabledSymlinkRunsTheRealCompiler) {
  sb().write("a.c", kHelloC);
  link_zccache("masq", cc());
  RunOptions masq = with_path_first({"masq"});
  masq.env["ZCCACHE_DISABLE"] = "1";
  masq.timeout = std::chrono::seconds(60);
  CompileResult b = sb().compile({cc(), "-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult m = sb().compile({cc(), "-c", "a.c", "-o", "a.o"}, {"a.o"}, masq);
  expect_same_compile(b, m);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits + c.misses, 0u) << c.describe();
}

TEST_P(Masquerade, InformationalCommandThroughSymlink) {
  link_zccache("masq", cc());
  RunOptions masq = with_path_first({"masq"});
  RunResult b = sb().run({cc(), "--version"});
  RunResult m = sb().run({cc(), "--version"}, masq);
  EXPECT_EQ(b.exit_code, m.exit_code);
  EXPECT_EQ(b.out, m.out);
}

TEST_P(Masquerade, CompilerUnderAnUnusualNameIsRecognised) {
  // A symlink "mycc" to the real compiler: zccache identifies it by the binary, so it caches.
  sb().write("a.c", kHelloC);
  sb().make_dir("tools");
  ASSERT_EQ(::symlink(find_in_path(cc()).c_str(), sb().path("tools/mycc").c_str()), 0);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, sb().path("tools/mycc"));
}

TEST_P(Masquerade, GenericCcNameIsCached) {
  if (find_in_path("cc").empty()) GTEST_SKIP() << "no cc in PATH";
  if (!is_gcc()) GTEST_SKIP() << "cc is one compiler; run once";
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, "cc");
}

ZCCACHE_FOR_EACH_COMPILER(Masquerade);

}  // namespace
}  // namespace zccache::e2e
