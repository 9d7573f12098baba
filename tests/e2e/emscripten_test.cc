// Emscripten through zccache: `zccache emcc -c ...`, `zccache em++ -c ...` and emcc links
// (`zccache emcc a.o b.o -o app.js`). Each compile and link runs bare first, then through zccache
// in the same directory with the same arguments and environment; objects, app.js, app.wasm,
// stdout, stderr, exit codes and modes must be the same bytes. Each input the key or manifest
// covers is changed once (a header, EMCC_CFLAGS, the config file, an archive in a -L directory)
// and must give a miss. Skipped when emcc is not installed.
//
// Every emcc run gets HOME set to one directory shared by the suite, and the suite first runs one
// compile and one link there: an emcc whose cache is not frozen builds its system libraries on
// first use (minutes), which then happens once, before any test compares anything.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

using Args = std::vector<std::string>;

std::string shared_home;  // the suite's HOME for emcc (see the file comment)

class Emscripten : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (find_in_path("emcc").empty() || !shared_home.empty()) return;
    char tmpl[] = "/tmp/zccache-e2e-emhome-XXXXXX";
    if (!::mkdtemp(tmpl)) return;
    shared_home = tmpl;
    // Warm emcc's own cache (a no-op for Debian's frozen one) with a compile and a link.
    Sandbox warm;
    warm.write("w.c", "int main(void) { return 0; }\n");
    RunOptions opts;
    opts.env = EnvChanges{{"HOME", shared_home}};
    opts.timeout = std::chrono::seconds(1800);
    warm.run({"emcc", "-c", "w.c", "-o", "w.o"}, opts);
    warm.run({"emcc", "w.o", "-o", "w.js"}, opts);
  }
  static void TearDownTestSuite() {
    if (shared_home.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(shared_home, ec);
    shared_home.clear();
  }
  void SetUp() override {
    if (find_in_path("emcc").empty() || find_in_path("em++").empty()) GTEST_SKIP() << "emcc is not installed";
    sb_ = std::make_unique<Sandbox>();
  }
  Sandbox& sb() { return *sb_; }

  RunOptions opts(EnvChanges env = {}) const {
    RunOptions o;
    o.env = std::move(env);
    o.env["HOME"] = shared_home;
    o.timeout = std::chrono::seconds(600);
    return o;
  }
  // `argv` bare, then through zccache; both must match. Returns the cached result.
  CompileResult both(const Args& argv, const std::vector<std::string>& outputs, const EnvChanges& env = {},
                     const std::string& label = {}) {
    CompileResult plain = sb().compile(argv, outputs, opts(env));
    EXPECT_EQ(plain.run.exit_code, 0) << "bare: " << plain.run.describe();
    Args cached_argv{sb().zccache_bin()};
    cached_argv.insert(cached_argv.end(), argv.begin(), argv.end());
    CompileResult cached = sb().compile(cached_argv, outputs, opts(env));
    expect_same_compile(plain, cached, label);
    return cached;
  }
  // One more miss (stored) or one more hit than before.
  void expect_miss(const Args& argv, const std::vector<std::string>& outputs, const EnvChanges& env = {}) {
    Counters before = sb().counters();
    both(argv, outputs, env, "miss");
    Counters after = sb().counters();
    EXPECT_EQ(after.hits, before.hits) << "expected a miss; " << after.describe();
    EXPECT_EQ(after.misses, before.misses + 1) << after.describe();
    EXPECT_TRUE(sb().wait_for_stored(before.stored + 1)) << "never stored; " << sb().counters().describe();
  }
  void expect_hit(const Args& argv, const std::vector<std::string>& outputs, const EnvChanges& env = {}) {
    Counters before = sb().counters();
    both(argv, outputs, env, "hit");
    Counters after = sb().counters();
    EXPECT_EQ(after.hits, before.hits + 1) << "expected a hit; " << after.describe();
    EXPECT_EQ(after.misses, before.misses) << after.describe();
  }
  void bare(const Args& argv, const EnvChanges& env = {}) {
    RunResult r = sb().run(argv, opts(env));
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  // a.o and m.o: main() returns add(1, 2) + f() with f() from lib/libf.a returning `value`.
  void link_inputs(int value) {
    sb().write("a.c", "int add(int a, int b) { return a + b; }\n");
    sb().write("m.c", "int add(int, int);\nint f(void);\nint main(void) { return add(1, 2) + f(); }\n");
    bare({"emcc", "-c", "a.c", "-o", "a.o"});
    bare({"emcc", "-c", "m.c", "-o", "m.o"});
    library("lib", value);
  }
  void library(const std::string& dir, int value) {
    sb().make_dir(dir);
    sb().write(dir + "/f.c", "int f(void) { return " + std::to_string(value) + "; }\n");
    bare({"emcc", "-c", dir + "/f.c", "-o", dir + "/f.o"});
    sb().remove(dir + "/libf.a");
    bare({"emar", "rcs", dir + "/libf.a", dir + "/f.o"});
    sb().write(dir + "/.settled", "");  // run() waits 60 ms after a write: the archive counts as settled
  }

  std::unique_ptr<Sandbox> sb_;
};

const std::vector<std::string> kJsOutputs{"app.js", "app.wasm"};

TEST_F(Emscripten, CompileColdThenWarmIsTheSameObject) {
  sb().write("h.h", "#define V 3\n");
  sb().write("a.c", "#include \"h.h\"\n#include <stdio.h>\nint v(void) { return V; }\n");
  sb().write("b.cpp", "#include <vector>\nint n() { return std::vector<int>(4).size(); }\n");
  const Args c{"emcc", "-O2", "-c", "a.c", "-o", "a.o", "-sSTRICT"};
  expect_miss(c, {"a.o"});
  expect_hit(c, {"a.o"});
  const Args cxx{"em++", "-c", "b.cpp", "-o", "b.o", "-MD", "-MF", "b.d"};
  expect_miss(cxx, {"b.o", "b.d"});
  expect_hit(cxx, {"b.o", "b.d"});
}

TEST_F(Emscripten, HeaderEditIsAMiss) {
  sb().write("h.h", "#define V 3\n");
  sb().write("a.c", "#include \"h.h\"\nint v(void) { return V; }\n");
  const Args c{"emcc", "-c", "a.c", "-o", "a.o"};
  expect_miss(c, {"a.o"});
  expect_hit(c, {"a.o"});
  sb().write("h.h", "#define V 4\n");
  expect_miss(c, {"a.o"});
}

TEST_F(Emscripten, EmccCflagsChangeIsAMiss) {
  sb().write("a.c", "int v(void) { return V; }\n");
  const Args c{"emcc", "-c", "a.c", "-o", "a.o"};
  expect_miss(c, {"a.o"}, {{"EMCC_CFLAGS", "-DV=1"}});
  expect_hit(c, {"a.o"}, {{"EMCC_CFLAGS", "-DV=1"}});
  expect_miss(c, {"a.o"}, {{"EMCC_CFLAGS", "-DV=2"}});
}

TEST_F(Emscripten, ConfigChangeIsAMiss) {
  auto config = sb().read("/usr/share/emscripten/.emscripten");
  if (!config) GTEST_SKIP() << "no /usr/share/emscripten/.emscripten to copy";
  sb().write("em.cfg", *config);
  sb().write("a.c", "int v(void) { return 1; }\n");
  const EnvChanges env{{"EM_CONFIG", sb().path("em.cfg")}};
  const Args c{"emcc", "-c", "a.c", "-o", "a.o"};
  expect_miss(c, {"a.o"}, env);
  expect_hit(c, {"a.o"}, env);
  sb().write("em.cfg", *config + "\nJAVA = 'java-other'\n");
  expect_miss(c, {"a.o"}, env);
  // A config that runs code could read anything: not cached.
  sb().write("em.cfg", "import os\n" + *config);
  both(c, {"a.o"}, env);
  EXPECT_EQ(sb().counters().pass("emcc_config"), 1u) << sb().counters().describe();
}

TEST_F(Emscripten, SeveralSourcesAndResponseFiles) {
  sb().write("a.c", "int a(void) { return 1; }\n");
  sb().write("b.c", "int b(void) { return 2; }\n");
  sb().write("args.rsp", "-c 'a.c' b.c -O1\n");
  const Args c{"emcc", "@args.rsp"};
  Counters before = sb().counters();
  both(c, {"a.o", "b.o"});
  EXPECT_TRUE(sb().wait_for_stored(before.stored + 2)) << sb().counters().describe();
  both(c, {"a.o", "b.o"});
  EXPECT_EQ(sb().counters().hits, before.hits + 2) << sb().counters().describe();
  expect_hit({"emcc", "-c", "b.c", "-O1"}, {"b.o"});  // the same unit alone
}

TEST_F(Emscripten, LinkColdThenWarmIsTheSameJsAndWasm) {
  link_inputs(4);
  const Args link{"emcc", "a.o", "m.o", "-Llib", "-lf", "-o", "app.js"};
  expect_miss(link, kJsOutputs);
  expect_hit(link, kJsOutputs);
  CompileResult again = both(link, kJsOutputs);
  EXPECT_NE(again.modes["app.wasm"] & 0100, 0u) << "wasm-ld makes the .wasm executable";
  EXPECT_EQ(journal_outcomes(sb(), 3), (std::vector<std::string>{"link_miss", "link_hit", "link_hit"}));
  expect_miss({"emcc", "a.o", "m.o", "-Llib", "-lf", "-o", "page.html"}, {"page.html", "page.js", "page.wasm"});
  const Args standalone{"emcc", "a.o", "m.o", "-Llib", "-lf", "-o", "solo.wasm"};
  expect_miss(standalone, {"solo.wasm", "solo.js"});
  expect_hit(standalone, {"solo.wasm", "solo.js"});
}

// What the cache relies on: emcc writes the same bytes for the same inputs at another time.
// The first miss of a link is linked twice and compared (emcc_link_verified): an emcc that stamps
// something new into each app.js is found out, nothing is stored, and its later links pass
// through. The real emcc passes the same check (links_verified).
TEST_F(Emscripten, ALinkThatDiffersBetweenTwoRunsIsNeverStored) {
  link_inputs(4);
  expect_miss({"emcc", "a.o", "m.o", "-Llib", "-lf", "-o", "app.js"}, {"app.js", "app.wasm"});
  EXPECT_EQ(sb().status_json()["links_verified"], 1u) << sb().status_json().dump();
  // Debian's launcher runs emcc.py by path; this one does too, then salts the .js it wrote.
  sb().write("salty/emcc",
             "#!/bin/sh\n\"${EMSDK_PYTHON:-python3}\" \"/usr/share/emscripten/emcc.py\" \"$@\" || exit $?\n"
             "for a in \"$@\"; do case \"$a\" in *.js) echo \"// $(od -An -N8 -tx8 /dev/urandom)\" >> \"$a\";; esac; done\n");
  ASSERT_EQ(::chmod(sb().path("salty/emcc").c_str(), 0755), 0);
  const Args salty{sb().path("salty/emcc"), "a.o", "m.o", "-Llib", "-lf", "-o", "salty.js"};
  Args cached{sb().zccache_bin()};
  cached.insert(cached.end(), salty.begin(), salty.end());
  RunResult first = sb().run(cached, opts());
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  bool found = false;
  for (int i = 0; i < 200 && !found; ++i) {
    found = sb().status_json()["links_nondeterministic"] == 1u;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(found) << sb().status_json().dump();
  RunResult second = sb().run(cached, opts());
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  Counters c = sb().counters();
  EXPECT_EQ(c.pass("link_nondeterministic"), 1u) << c.describe();
  EXPECT_EQ(c.stored, 1u) << "only the real emcc's link was stored; " << c.describe();
}

TEST_F(Emscripten, TwoBareLinksAreTheSameBytes) {
  link_inputs(4);
  const Args link{"emcc", "a.o", "m.o", "-Llib", "-lf", "-o", "app.js"};
  CompileResult first = sb().compile(link, kJsOutputs, opts());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CompileResult second = sb().compile(link, kJsOutputs, opts({{"TMPDIR", sb().root()}}));
  expect_same_compile(first, second, "two bare links");
}

TEST_F(Emscripten, ChangedArchiveInALibraryDirectoryIsAMiss) {
  link_inputs(4);
  sb().make_dir("early");
  const Args link{"emcc", "a.o", "m.o", "-Learly", "-Llib", "-lf", "-o", "app.js"};
  expect_miss(link, kJsOutputs);
  expect_hit(link, kJsOutputs);
  library("lib", 5);
  expect_miss(link, kJsOutputs);
  library("early", 6);  // -Learly is searched first: emcc now takes early/libf.a
  expect_miss(link, kJsOutputs);
}

TEST_F(Emscripten, JsInputChangeIsAMiss) {
  link_inputs(4);
  sb().write("pre.js", "var Module = { noInitialRun: false };\n");
  const Args link{"emcc", "a.o", "m.o", "-Llib", "-lf", "--pre-js", "pre.js", "-o", "app.js"};
  expect_miss(link, kJsOutputs);
  expect_hit(link, kJsOutputs);
  sb().write("pre.js", "var Module = { noInitialRun: true };\n");
  expect_miss(link, kJsOutputs);
}

TEST_F(Emscripten, PassthroughReasons) {
  link_inputs(4);
  sb().write("data.txt", "payload\n");
  both({"emcc", "a.o", "m.o", "-Llib", "-lf", "--embed-file", "data.txt", "-o", "app.js"}, kJsOutputs);
  EXPECT_EQ(sb().counters().pass("emcc_option"), 1u) << sb().counters().describe();
  // EMCC_DEBUG's log names lock ids and temporary files: not comparable with the bare run.
  RunResult debug = sb().run({sb().zccache_bin(), "emcc", "-c", "a.c", "-o", "a.o"},
                             opts({{"EMCC_DEBUG", "1"}, {"TMPDIR", sb().root()}}));
  EXPECT_EQ(debug.exit_code, 0) << debug.describe();
  EXPECT_EQ(sb().counters().pass("emcc_debug_env"), 1u) << sb().counters().describe();
  both({"emcc", "a.o", "m.o", "-Llib", "-lf", "-o", "app.js", "-Wl,-Map=app.map"}, kJsOutputs);
  EXPECT_EQ(sb().counters().pass("link_unsupported"), 1u) << sb().counters().describe();
  Counters c = sb().counters();
  EXPECT_EQ(c.hits + c.misses, 0u) << c.describe();
}

// emcc colours its own warnings only on a terminal, and a miss runs it with a pipe.
TEST_F(Emscripten, EmccWarningsOnATerminalAreNotStored) {
  sb().write("a.c", "int v(void) { return 1; }\n");
  RunOptions tty = opts();
  tty.stderr_tty = true;
  const Args c{sb().zccache_bin(), "emcc", "-c", "a.c", "-o", "a.o", "-Lunused"};
  for (int i = 0; i < 2; ++i) {
    RunResult r = sb().run(c, tty);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.err.find("argument unused during compilation"), std::string::npos) << r.err;
  }
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, 0u) << after.describe();
  EXPECT_EQ(after.pass("emcc_terminal"), 2u) << after.describe();
  // Without a terminal the same compile is stored and hit.
  expect_miss({"emcc", "-c", "a.c", "-o", "a.o", "-Lunused"}, {"a.o"});
  expect_hit({"emcc", "-c", "a.c", "-o", "a.o", "-Lunused"}, {"a.o"});
}

}  // namespace
}  // namespace zccache::e2e
