// rustc through zccache: `RUSTC_WRAPPER=zccache cargo build/check` on a small workspace (path
// dependencies, a build script feeding include!, a proc macro), and direct `zccache rustc ...`
// compiles for what cargo does not vary: env!() values, native static libraries, another out-dir,
// warnings, failures, passthrough reasons. Objects are compared with a bare build in the same place.
// Skipped when cargo or rustc is not installed.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

namespace fs = std::filesystem;

// The toolchain's own rustc (what cargo passes to a wrapper), not rustup's proxy.
std::string toolchain_rustc() {
  static const std::string path = [] {
    std::string rustc = find_in_path("rustc");
    if (rustc.empty()) return std::string();
    Sandbox probe;
    RunResult r = probe.run({rustc, "--print", "sysroot"});
    if (r.exit_code != 0) return std::string();
    std::string root = r.out.substr(0, r.out.find('\n'));
    return fs::exists(root + "/bin/rustc") ? root + "/bin/rustc" : std::string();
  }();
  return path;
}

class Rust : public ::testing::Test {
 protected:
  void SetUp() override {
    if (toolchain_rustc().empty() || find_in_path("cargo").empty()) GTEST_SKIP() << "rustc/cargo not installed";
    sb_ = std::make_unique<Sandbox>();
  }
  Sandbox& sb() { return *sb_; }

  // A workspace: `app` uses `util` (plain library) and `gen` (a build script writes the code it
  // include!s), `shout` is a proc macro (passes through), `app` reads env!("APP_FLAVOR").
  void write_workspace() {
    sb().write("ws/Cargo.toml", "[workspace]\nmembers = [\"app\", \"util\", \"gen\", \"shout\"]\nresolver = \"2\"\n");
    sb().write("ws/util/Cargo.toml", "[package]\nname = \"util\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    sb().write("ws/util/src/lib.rs", "pub mod math;\npub fn twice(x: u32) -> u32 { math::add(x, x) }\n"
                                     "pub const DATA: &str = include_str!(\"data.txt\");\n");
    sb().write("ws/util/src/data.txt", "first\n");
    sb().write("ws/util/src/math.rs", "pub fn add(a: u32, b: u32) -> u32 { a + b }\n");
    sb().write("ws/gen/Cargo.toml",
               "[package]\nname = \"gen\"\nversion = \"0.2.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n");
    sb().write("ws/gen/build.rs",
               "fn main() {\n  let out = std::env::var(\"OUT_DIR\").unwrap();\n"
               "  std::fs::write(format!(\"{}/table.rs\", out), \"pub const TABLE: [u8; 3] = [1, 2, 3];\").unwrap();\n"
               "  println!(\"cargo:rerun-if-changed=build.rs\");\n}\n");
    sb().write("ws/gen/src/lib.rs", "include!(concat!(env!(\"OUT_DIR\"), \"/table.rs\"));\n");
    sb().write("ws/shout/Cargo.toml",
               "[package]\nname = \"shout\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\nproc-macro = true\n");
    sb().write("ws/shout/src/lib.rs",
               "use proc_macro::TokenStream;\n#[proc_macro]\npub fn shout(_: TokenStream) -> TokenStream {\n"
               "  \"\\\"LOUD\\\"\".parse().unwrap()\n}\n");
    sb().write("ws/app/Cargo.toml",
               "[package]\nname = \"app\"\nversion = \"0.3.0\"\nedition = \"2021\"\n[dependencies]\n"
               "util = { path = \"../util\" }\ngen = { path = \"../gen\" }\nshout = { path = \"../shout\" }\n");
    sb().write("ws/app/src/lib.rs",
               "pub fn run() -> u32 { util::twice(gen::TABLE[2] as u32) }\n"
               "pub const FLAVOR: &str = env!(\"APP_FLAVOR\");\npub const NAME: &str = shout::shout!();\n"
               "pub fn unused() { let x = 1; }\n");
  }

  RunResult cargo(const std::vector<std::string>& args, bool wrapped, EnvChanges env = {}) {
    std::vector<std::string> argv{"cargo"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (wrapped) env["RUSTC_WRAPPER"] = sb().zccache_bin();
    if (!env.count("APP_FLAVOR")) env["APP_FLAVOR"] = "plain";
    env["CARGO_TERM_COLOR"] = "never";
    return sb().run(argv, {.cwd = "ws", .env = env});
  }

  // Builds bare, keeps the outputs, cleans, builds through zccache; returns the cached build.
  RunResult build_and_compare(const std::vector<std::string>& args, const std::string& deps_dir, EnvChanges env = {}) {
    RunResult bare = cargo(args, false, env);
    EXPECT_EQ(bare.exit_code, 0) << bare.describe();
    auto expected = tree(sb().path("ws/target/" + deps_dir));
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(cargo({"clean"}, false).exit_code, 0);
    RunResult cached = cargo(args, true, env);
    EXPECT_EQ(cached.exit_code, 0) << cached.describe();
    expect_same_tree(expected, tree(sb().path("ws/target/" + deps_dir)));
    EXPECT_EQ(cargo({"clean"}, false).exit_code, 0);
    return cached;
  }

  // A direct compile of one library crate, with the dep-info cargo asks for.
  std::vector<std::string> rustc_lib(const std::string& src, const std::string& out_dir,
                                     std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{toolchain_rustc(), "--crate-name", "lib1", "--edition=2021", src,
                                  "--crate-type", "lib", "--emit=dep-info,metadata,link", "--out-dir",
                                  sb().path(out_dir)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  CompileResult compile(bool wrapped, const std::vector<std::string>& argv, const std::string& out_dir,
                        EnvChanges env = {}) {
    sb().make_dir(out_dir);
    std::vector<std::string> outputs;
    for (const char* name : {"/liblib1.rlib", "/liblib1.rmeta", "/lib1.d"}) outputs.push_back(sb().path(out_dir) + name);
    std::vector<std::string> full = argv;
    if (wrapped) full.insert(full.begin(), sb().zccache_bin());
    return sb().compile(full, outputs, {.env = env});
  }
  // Compiles bare, then through zccache, expecting the same results; returns the counters after.
  Counters same_as_bare(const std::vector<std::string>& argv, const std::string& out_dir, EnvChanges env = {}) {
    CompileResult bare = compile(false, argv, out_dir, env);
    CompileResult cached = compile(true, argv, out_dir, env);
    expect_same_compile(bare, cached, argv[4]);
    return sb().counters();
  }

  std::unique_ptr<Sandbox> sb_;
};

TEST_F(Rust, CargoReleaseBuildHitsAfterCleanAndMatchesBare) {
  write_workspace();
  build_and_compare({"build", "--release"}, "release/deps");
  Counters cold = sb().counters();
  // util, gen, app are libraries: cached. Build scripts and the proc macro pass through.
  EXPECT_EQ(cold.misses, 3u) << cold.describe();
  EXPECT_EQ(cold.hits, 0u);
  EXPECT_GE(cold.pass("rust_crate_type"), 2u);  // gen's build script, shout
  EXPECT_GE(cold.pass("informational"), 1u);    // cargo's -vV and --print probes
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();

  RunResult warm = build_and_compare({"build", "--release"}, "release/deps");
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, 3u) << after.describe();
  EXPECT_EQ(after.misses, 3u);
  EXPECT_EQ(after.errors, 0u);
  // app's warning is replayed by the hit, so cargo still shows it.
  EXPECT_NE(warm.err.find("unused variable: `x`"), std::string::npos) << warm.err;
}

TEST_F(Rust, EditedDependencyMissesItselfAndItsDependents) {
  write_workspace();
  build_and_compare({"build", "--release"}, "release/deps");
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();
  sb().write("ws/util/src/math.rs", "pub fn add(a: u32, b: u32) -> u32 { a + b + 1 }\n");
  build_and_compare({"build", "--release"}, "release/deps");
  Counters c = sb().counters();
  // util changed; app's extern (util's rmeta) changed with it; gen is untouched.
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 5u);
}

TEST_F(Rust, IncludedFileChangeMisses) {
  write_workspace();
  build_and_compare({"build", "--release"}, "release/deps");
  ASSERT_TRUE(sb().wait_for_stored(3));
  sb().write("ws/util/src/data.txt", "second\n");  // include_str!'d by util
  build_and_compare({"build", "--release"}, "release/deps");
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();  // gen; util and its dependent app recompiled
  EXPECT_EQ(c.misses, 5u);
}

TEST_F(Rust, EnvDependencyOfEnvMacroIsPartOfTheKey) {
  write_workspace();
  build_and_compare({"build", "--release"}, "release/deps", {{"APP_FLAVOR", "plain"}});
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();
  build_and_compare({"build", "--release"}, "release/deps", {{"APP_FLAVOR", "spicy"}});
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();  // util and gen; app read APP_FLAVOR
  EXPECT_EQ(c.misses, 4u);
}

TEST_F(Rust, CargoCheckIsCachedWithoutIncremental) {
  write_workspace();
  // The debug profile builds workspace members with -C incremental: rustc keeps its own state,
  // so those pass through.
  build_and_compare({"check"}, "debug/deps");
  Counters incremental = sb().counters();
  EXPECT_EQ(incremental.pass("incremental"), 3u) << incremental.describe();
  EXPECT_EQ(incremental.misses, 0u);
  // CARGO_INCREMENTAL=0 (what CI usually sets): metadata-only compiles, cached.
  build_and_compare({"check"}, "debug/deps", {{"CARGO_INCREMENTAL", "0"}});
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();
  build_and_compare({"check"}, "debug/deps", {{"CARGO_INCREMENTAL", "0"}});
  Counters warm = sb().counters();
  EXPECT_EQ(warm.misses, 3u) << warm.describe();
  EXPECT_EQ(warm.hits, 3u);
}

TEST_F(Rust, ClippyLintsAreReplayedAndItsConfigIsPartOfTheKey) {
  if (find_in_path("cargo-clippy").empty()) GTEST_SKIP() << "clippy not installed";
  write_workspace();
  sb().write("ws/util/src/lib.rs", "pub mod math;\npub fn twice(x: &Vec<u32>) -> u32 { math::add(x[0], x[0]) }\n");
  sb().write("ws/app/src/lib.rs", "pub fn run() -> u32 { util::twice(&vec![gen::TABLE[2] as u32]) }\n"
                                  "pub const FLAVOR: &str = env!(\"APP_FLAVOR\");\n");
  const EnvChanges no_incremental = {{"CARGO_INCREMENTAL", "0"}};
  RunResult bare = cargo({"clippy"}, false, no_incremental);
  ASSERT_EQ(bare.exit_code, 0) << bare.describe();
  EXPECT_EQ(cargo({"clean"}, false).exit_code, 0);
  RunResult cold = cargo({"clippy"}, true, no_incremental);
  ASSERT_EQ(cold.exit_code, 0) << cold.describe();
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();
  EXPECT_EQ(cargo({"clean"}, false).exit_code, 0);
  RunResult warm = cargo({"clippy"}, true, no_incremental);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 3u) << c.describe();
  EXPECT_EQ(c.misses, 3u);
  const std::string lint = "writing `&Vec` instead of `&[_]`";
  EXPECT_NE(bare.err.find(lint), std::string::npos) << bare.err;
  EXPECT_NE(warm.err.find(lint), std::string::npos) << warm.err;
  // A clippy.toml in util's directory changes what clippy checks there: util misses (and app,
  // whose extern util's rmeta is); gen, which does not see that file, still hits.
  sb().write("ws/util/clippy.toml", "too-many-arguments-threshold = 3\n");
  EXPECT_EQ(cargo({"clean"}, false).exit_code, 0);
  EXPECT_EQ(cargo({"clippy"}, true, no_incremental).exit_code, 0);
  c = sb().counters();
  EXPECT_EQ(c.hits, 4u) << c.describe();
  EXPECT_GE(c.misses, 4u);
}

TEST_F(Rust, EnvMacroValuesSetEmptyAndUnsetAreDistinguished) {
  sb().write("e.rs", "pub const V: Option<&str> = option_env!(\"ZC_VALUE\");\npub fn v() -> &'static str { V.unwrap_or(\"none\") }\n");
  auto argv = rustc_lib("e.rs", "out");
  same_as_bare(argv, "out", {{"ZC_VALUE", "a"}});
  ASSERT_TRUE(sb().wait_for_stored(1));
  same_as_bare(argv, "out", {{"ZC_VALUE", "b"}});
  ASSERT_TRUE(sb().wait_for_stored(2));
  same_as_bare(argv, "out", {{"ZC_VALUE", ""}});
  ASSERT_TRUE(sb().wait_for_stored(3)) << sb().counters().describe();
  same_as_bare(argv, "out", {{"ZC_VALUE", std::nullopt}});
  ASSERT_TRUE(sb().wait_for_stored(4));
  Counters c = same_as_bare(argv, "out", {{"ZC_VALUE", "a"}});
  EXPECT_EQ(c.misses, 4u) << c.describe();
  EXPECT_EQ(c.hits, 1u);
}

TEST_F(Rust, AnotherOutDirHitsWithItsOwnPathsInDepInfoAndNotices) {
  sb().write("src/lib.rs", "pub mod m;\npub fn f() -> u32 { m::g() }\n");
  sb().write("src/m.rs", "pub fn g() -> u32 { 7 }\n");
  auto json = std::vector<std::string>{"--error-format=json", "--json=artifacts"};
  same_as_bare(rustc_lib("src/lib.rs", "one", json), "one");
  ASSERT_TRUE(sb().wait_for_stored(1));
  Counters c = same_as_bare(rustc_lib("src/lib.rs", "two", json), "two");
  EXPECT_EQ(c.hits, 1u) << c.describe();
  std::string dep = sb().read("two/lib1.d").value_or("");
  EXPECT_NE(dep.find(sb().path("two") + "/liblib1.rlib: src/lib.rs src/m.rs"), std::string::npos) << dep;
  EXPECT_EQ(dep.find(sb().path("one")), std::string::npos) << dep;
  // The module file is an input too.
  sb().write("src/m.rs", "pub fn g() -> u32 { 8 }\n");
  c = same_as_bare(rustc_lib("src/lib.rs", "two", json), "two");
  EXPECT_EQ(c.misses, 2u) << c.describe();
}

TEST_F(Rust, BundledNativeLibraryContentIsPartOfTheKey) {
  sb().write("n.rs", "extern \"C\" { pub fn native_value() -> i32; }\n");
  sb().write("native/libnv.a", "!<arch>\n");  // an empty archive
  auto argv = rustc_lib("n.rs", "out", {"-L", "native=" + sb().path("native"), "-l", "static=nv"});
  same_as_bare(argv, "out");
  ASSERT_TRUE(sb().wait_for_stored(1));
  same_as_bare(argv, "out");
  EXPECT_EQ(sb().counters().hits, 1u);
  // Same name and size class, other bytes: an archive with one member.
  RunResult ar = sb().run({"sh", "-c", "cd native && echo 'int native_value(void){return 4;}' > v.c && cc -c v.c && "
                                       "rm libnv.a && ar rcs libnv.a v.o"});
  ASSERT_EQ(ar.exit_code, 0) << ar.describe();
  Counters c = same_as_bare(argv, "out");
  EXPECT_EQ(c.misses, 2u) << c.describe();
  sb().remove("native/libnv.a");
  RunResult gone = sb().zccache(std::vector<std::string>(argv.begin(), argv.end()));
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_EQ(sb().counters().pass("native_library"), 1u);
}

TEST_F(Rust, WarningsAreReplayedAndFailuresNotCached) {
  sb().write("w.rs", "pub fn f() { let unused = 1; }\n");
  auto argv = rustc_lib("w.rs", "out");
  same_as_bare(argv, "out");
  ASSERT_TRUE(sb().wait_for_stored(1));
  CompileResult hit = compile(true, argv, "out");
  EXPECT_NE(hit.run.err.find("unused variable: `unused`"), std::string::npos) << hit.run.err;
  EXPECT_EQ(sb().counters().hits, 1u);

  sb().write("bad.rs", "pub fn f() -> u32 { \"no\" }\n");
  auto bad = rustc_lib("bad.rs", "out");
  same_as_bare(bad, "out");
  Counters c = same_as_bare(bad, "out");
  EXPECT_EQ(c.compile_failed, 2u) << c.describe();
  EXPECT_EQ(c.hits, 1u);
}

// cargo starts the crates that depend on a library when rustc prints its metadata notice, long
// before rustc exits (pipelining): a miss's output must reach the build while rustc runs. A proc
// macro prints a line while the crate compiles and waits (30 s at most) until that line is in the
// file the client's stderr goes to; it writes down whether it got there.
TEST_F(Rust, MissOutputReachesTheBuildWhileRustcRuns) {
  const std::string err_file = sb().path("client-err.txt");
  sb().write("waiter.rs",
             "extern crate proc_macro;\nuse proc_macro::TokenStream;\n#[proc_macro]\n"
             "pub fn wait_for_echo(_: TokenStream) -> TokenStream {\n"
             "  let path = \"" + err_file + "\";\n"
             "  eprintln!(\"zccache-echo-probe\");\n"
             "  let mut seen = false;\n"
             "  for _ in 0..3000 {\n"
             "    if std::fs::read_to_string(path).map(|s| s.contains(\"zccache-echo-probe\")).unwrap_or(false) {\n"
             "      seen = true;\n      break;\n    }\n"
             "    std::thread::sleep(std::time::Duration::from_millis(10));\n  }\n"
             "  std::fs::write(format!(\"{}.seen\", path), if seen { \"yes\" } else { \"no\" }).unwrap();\n"
             "  \"pub const ANSWER: u32 = 42;\".parse().unwrap()\n}\n");
  RunResult macro = sb().run({toolchain_rustc(), "--crate-name", "waiter", "--edition=2021", "--crate-type",
                              "proc-macro", "waiter.rs", "-o", sb().path("libwaiter.so")});
  ASSERT_EQ(macro.exit_code, 0) << macro.describe();
  sb().write("user.rs", "waiter::wait_for_echo!();\npub fn answer() -> u32 { ANSWER }\n");
  sb().make_dir("out");
  std::vector<std::string> argv = rustc_lib("user.rs", "out", {"--extern", "waiter=" + sb().path("libwaiter.so")});
  argv.insert(argv.begin(), sb().zccache_bin());
  // stderr into a file the macro can read: sh redirects, then runs the client in its place.
  argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$@\" 2>\"" + err_file + "\"", "sh"});
  RunResult miss = sb().run(argv);
  ASSERT_EQ(miss.exit_code, 0) << miss.describe() << sb().read("client-err.txt").value_or("");
  EXPECT_EQ(sb().counters().misses, 1u) << sb().counters().describe();
  EXPECT_EQ(sb().read("client-err.txt.seen").value_or(""), "yes") << "the proc macro's line reached the build only after rustc exited";
  EXPECT_EQ(sb().read("client-err.txt").value_or(""), "zccache-echo-probe\n") << "printed once, not again at the end";
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  sb().remove("client-err.txt");
  RunResult hit = sb().run(argv);
  ASSERT_EQ(hit.exit_code, 0) << hit.describe();
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
  EXPECT_EQ(sb().read("client-err.txt").value_or(""), "zccache-echo-probe\n") << "the hit replays the stored output";
}

TEST_F(Rust, DirectCompileWithoutDepInfoIsScannedForItsInputs) {
  sb().write("d.rs", "pub fn f() -> u32 { 3 }\n");
  std::vector<std::string> argv{toolchain_rustc(), "--crate-name", "lib1", "d.rs", "--crate-type", "rlib",
                                "--out-dir", sb().path("out")};
  same_as_bare(argv, "out");  // the outputs list includes lib1.d: it must stay absent
  ASSERT_TRUE(sb().wait_for_stored(1));
  Counters c = same_as_bare(argv, "out");
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_FALSE(sb().exists("out/lib1.d"));
}

TEST_F(Rust, UncacheableInvocationsPassThroughWithTheirReason) {
  sb().write("main.rs", "fn main() {}\n");
  sb().write("l.rs", "pub fn f() {}\n");
  struct Case {
    std::vector<std::string> args;
    std::string reason;
  };
  const Case cases[] = {
      {{"-vV"}, "informational"},
      {{"--crate-name", "m", "--crate-type", "bin", "main.rs", "-o", "m"}, "rust_crate_type"},
      {{"--crate-name", "l", "--crate-type", "lib", "l.rs", "-C", "incremental=" + sb().path("inc")}, "incremental"},
      {{"--crate-name", "l", "--crate-type", "lib", "l.rs", "--emit=llvm-ir"}, "rust_emit"},
      {{"--crate-type", "lib", "l.rs"}, "rust_crate_name"},
      {{"--crate-name", "l", "--crate-type", "lib", "l.rs", "-Zunstable-options"}, "unsupported_option"},
      {{"--crate-name", "l", "--crate-type", "lib", "-"}, "stdin_input"},
      {{"--crate-name", "l", "--crate-type", "lib", "missing.rs"}, "missing_source"},
      {{"--crate-name", "l", "--crate-type", "lib", "l.rs", "-l", "static=nowhere"}, "native_library"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{toolchain_rustc()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    RunResult bare = sb().run(argv);
    argv.insert(argv.begin(), sb().zccache_bin());
    RunResult cached = sb().run(argv);
    EXPECT_EQ(bare.exit_code, cached.exit_code) << c.reason;
    EXPECT_EQ(bare.out, cached.out) << c.reason;
    EXPECT_EQ(sb().counters().pass(c.reason), 1u) << c.reason << ": " << sb().counters().describe();
  }
  EXPECT_EQ(sb().counters().misses, 0u);
}

TEST_F(Rust, RustupProxyIsResolvedToItsToolchain) {
  std::string proxy = find_in_path("rustc");
  if (fs::canonical(proxy).filename() != "rustup") GTEST_SKIP() << "rustc in PATH is not rustup's proxy";
  sb().write("p.rs", "pub fn f() -> u32 { 5 }\n");
  std::vector<std::string> argv = rustc_lib("p.rs", "out");
  argv[0] = proxy;
  same_as_bare(argv, "out");
  ASSERT_TRUE(sb().wait_for_stored(1));
  // The same compile through the toolchain's rustc shares the entry: it is the same toolchain.
  Counters c = same_as_bare(rustc_lib("p.rs", "out"), "out");
  EXPECT_EQ(c.hits, 1u) << c.describe();
}

}  // namespace
}  // namespace zccache::e2e
