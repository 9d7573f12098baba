// `zccache wasm-ld ...`: links of wasm objects (clang --target=wasm32 -c, archives from llvm-ar).
// The .wasm (and map) must be byte-identical to the bare wasm-ld's, cold and warm; a changed
// library in a -L directory, also one the link took nothing from, and a new library earlier in the
// search path must miss. Skipped when wasm-ld, clang or llvm-ar is missing.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

using Args = std::vector<std::string>;

void let_outputs_settle() { std::this_thread::sleep_for(std::chrono::milliseconds(60)); }

class WasmLink : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"wasm-ld", "clang", "llvm-ar"})
      if (find_in_path(tool).empty()) GTEST_SKIP() << tool << " missing";
    sb_ = std::make_unique<Sandbox>();
    sb().write("w.c", "int g(void);\nint add(int a, int b) { return a + b + g(); }\n");
    object("w.c", "w.o");
    library("lib", "g", "int g(void) { return 1; }\n");
    library("lib", "u", "int unused(void) { return 2; }\n");
  }
  Sandbox& sb() { return *sb_; }
  void object(const std::string& src, const std::string& obj) {
    RunResult r = sb().run({"clang", "--target=wasm32", "-O1", "-c", src, "-o", obj});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  // dir/lib<name>.a holding one object compiled from `code`.
  void library(const std::string& dir, const std::string& name, const std::string& code) {
    sb().make_dir(dir);
    sb().write(dir + "/" + name + ".c", code);
    object(dir + "/" + name + ".c", dir + "/" + name + ".o");
    sb().remove(dir + "/lib" + name + ".a");
    RunResult r = sb().run({"llvm-ar", "rcs", dir + "/lib" + name + ".a", dir + "/" + name + ".o"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    let_outputs_settle();
  }
  CompileResult link_same_as_bare(const Args& args, const Args& outputs = {"out.wasm"}) {
    Args bare_argv{"wasm-ld"};
    bare_argv.insert(bare_argv.end(), args.begin(), args.end());
    CompileResult plain = sb().compile(bare_argv, outputs);
    EXPECT_EQ(plain.run.exit_code, 0) << plain.run.describe();
    Args cached_argv{sb().zccache_bin()};
    cached_argv.insert(cached_argv.end(), bare_argv.begin(), bare_argv.end());
    CompileResult cached = sb().compile(cached_argv, outputs);
    expect_same_compile(plain, cached, "wasm-ld");
    return cached;
  }
  std::unique_ptr<Sandbox> sb_;
};

const Args kLink{"--no-entry", "--export-all", "-o", "out.wasm", "w.o", "-Llib", "-lg", "-lu"};

TEST_F(WasmLink, SecondLinkIsAHitAndTheSameWasm) {
  CompileResult cold = link_same_as_bare(kLink);
  ASSERT_TRUE(cold.files["out.wasm"].has_value());
  EXPECT_EQ(cold.files["out.wasm"]->substr(0, 4), std::string("\0asm", 4));
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  link_same_as_bare(kLink);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 1u) << c.describe();
}

TEST_F(WasmLink, AChangedLibraryIsAMiss) {
  link_same_as_bare(kLink);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  library("lib", "g", "int g(void) { return 41; }\n");
  link_same_as_bare(kLink);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

// libu.a is searched but gives nothing: wasm-ld's --trace would not name it. A new member that
// defines a symbol the link leaves undefined-but-allowed changes the output.
TEST_F(WasmLink, AChangedArchiveTheLinkTookNothingFromIsAMiss) {
  sb().write("h.c", "int maybe(void);\nint call(void) { return maybe(); }\n");
  object("h.c", "h.o");
  let_outputs_settle();
  const Args args{"--no-entry", "--export-all", "--allow-undefined", "-o", "out.wasm", "h.o", "-Llib", "-lu"};
  link_same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  library("lib", "u", "int unused(void) { return 2; }\nint maybe(void) { return 3; }\n");
  link_same_as_bare(args);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_F(WasmLink, ANewLibraryEarlierInTheSearchPathIsAMiss) {
  sb().make_dir("early");
  const Args args{"--no-entry", "--export-all", "-o", "out.wasm", "w.o", "-Learly", "-Llib", "-lg"};
  link_same_as_bare(args);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  link_same_as_bare(args);
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  library("early", "g", "int g(void) { return 99; }\n");  // -Learly comes first now
  link_same_as_bare(args);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_F(WasmLink, MapFileIsCachedAndAChangedMapOptionIsAMiss) {
  Args args = kLink;
  args.push_back("--Map=out.map");
  CompileResult cold = link_same_as_bare(args, {"out.wasm", "out.map"});
  ASSERT_TRUE(cold.files["out.map"].has_value());
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  link_same_as_bare(args, {"out.wasm", "out.map"});
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  args.back() = "--Map=other.map";
  link_same_as_bare(args, {"out.wasm", "other.map"});
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_F(WasmLink, UnmodelledLinksPassThrough) {
  for (const char* option : {"--verbose", "--reproduce=mine.tar", "--allow-undefined-file=syms.txt"}) {
    Args argv{"wasm-ld"};
    argv.insert(argv.end(), kLink.begin(), kLink.end());
    argv.emplace_back(option);
    sb().write("syms.txt", "g\n");
    RunResult r = sb().zccache(argv);
    EXPECT_EQ(r.exit_code, 0) << option << ": " << r.describe();
  }
  EXPECT_TRUE(sb().exists("mine.tar")) << "the user's own --reproduce archive is written";
  EXPECT_EQ(sb().counters().pass("link_unsupported"), 3u) << sb().counters().describe();
}

}  // namespace
}  // namespace zccache::e2e
