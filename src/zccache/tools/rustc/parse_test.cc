#include "zccache/tools/rustc/parse.h"

#include <gtest/gtest.h>

#include "zccache/testing/fake_file_reader.h"

namespace zccache::tools::rustc {
namespace {

using Strings = std::vector<std::string>;

RustPlan plan_for(const Strings& args, const std::string& cwd = "/w") {
  testing::FakeFileReader reader;
  return make_plan(args, cwd, reader);
}

// What cargo 1.95 passes for a library dependency (build and check differ only in --emit).
Strings cargo_lib(const std::string& out_dir = "/w/target/debug/deps") {
  return {"--crate-name", "proj", "--edition=2024", "src/lib.rs", "--error-format=json",
          "--json=diagnostic-rendered-ansi,artifacts,future-incompat", "--crate-type", "lib",
          "--emit=dep-info,metadata,link", "-C", "embed-bitcode=no", "-C", "debuginfo=2",
          "--check-cfg", "cfg(feature, values())", "-C", "metadata=418e", "-C", "extra-filename=-4442",
          "--out-dir", out_dir, "-L", "dependency=" + out_dir, "--extern", "serde=" + out_dir + "/libserde-1.rmeta",
          "--cap-lints", "allow"};
}

TEST(RustPlan, CargoLibraryIsCacheable) {
  RustPlan plan = plan_for(cargo_lib());
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.crate_name, "proj");
  EXPECT_EQ(plan.source, "src/lib.rs");
  EXPECT_EQ(plan.out_dir, "/w/target/debug/deps");
  const std::vector<RustOutput> expected = {
      {"dep-info", "/w/target/debug/deps/proj-4442.d"},
      {"metadata", "/w/target/debug/deps/libproj-4442.rmeta"},
      {"link", "/w/target/debug/deps/libproj-4442.rlib"},
  };
  EXPECT_EQ(plan.outputs, expected);
  EXPECT_EQ(plan.depinfo_path, "/w/target/debug/deps/proj-4442.d");
  ASSERT_EQ(plan.externs.size(), 1u);
  EXPECT_EQ(plan.externs[0].name, "serde");
  EXPECT_EQ(plan.externs[0].path, "/w/target/debug/deps/libserde-1.rmeta");
  EXPECT_TRUE(plan.cwd_matters);
}

TEST(RustPlan, KeyIgnoresOutputAndSearchLocationsOnly) {
  Strings a = cargo_lib("/w/target/debug/deps");
  Strings b = cargo_lib("/elsewhere/target/debug/deps");
  EXPECT_EQ(plan_for(a).key_args, plan_for(b).key_args);
  for (const auto& arg : plan_for(a).key_args) {
    EXPECT_EQ(arg.find("/w/target"), std::string::npos) << arg;
  }
  // Everything else reaches the key.
  Strings c = a;
  c[1] = "other";
  EXPECT_NE(plan_for(a).key_args, plan_for(c).key_args);
  Strings d = a;
  d[2] = "--edition=2021";
  EXPECT_NE(plan_for(a).key_args, plan_for(d).key_args);
  Strings e = a;
  e.insert(e.end(), {"--cfg", "feature=\"std\""});
  EXPECT_NE(plan_for(a).key_args, plan_for(e).key_args);
  Strings f = a;
  f[24] = "serde_json=/w/target/debug/deps/libserde-1.rmeta";  // the extern's name
  EXPECT_NE(plan_for(a).key_args, plan_for(f).key_args);
}

TEST(RustPlan, PassthroughReasons) {
  struct Case {
    Strings args;
    Passthrough reason;
  };
  const Case cases[] = {
      {{"-vV"}, Passthrough::kInformational},
      {{"-", "--crate-name", "___", "--print=file-names", "--crate-type", "bin"}, Passthrough::kInformational},
      {{"--explain", "E0308"}, Passthrough::kInformational},
      {{"--crate-name", "x", "--crate-type", "bin", "src/main.rs"}, Passthrough::kRustCrateType},
      {{"--crate-name", "x", "--crate-type", "proc-macro", "src/lib.rs"}, Passthrough::kRustCrateType},
      {{"--crate-name", "x", "--crate-type", "cdylib", "src/lib.rs"}, Passthrough::kRustCrateType},
      {{"--crate-name", "x", "--test", "src/lib.rs"}, Passthrough::kRustCrateType},
      {{"--crate-name", "x", "src/lib.rs"}, Passthrough::kRustCrateType},
      {{"--crate-type", "lib", "src/lib.rs"}, Passthrough::kRustCrateName},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "-C", "incremental=/w/inc"}, Passthrough::kIncremental},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--emit=llvm-ir"}, Passthrough::kRustEmit},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "-Zunpretty=expanded"}, Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--sysroot", "/s"}, Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--frobnicate"}, Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "-Csave-temps"}, Passthrough::kSaveTemps},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "-C", "split-debuginfo=unpacked"},
       Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--emit=dep-info=-"}, Passthrough::kOutputNotRegular},
      {{"--crate-name", "x", "--crate-type", "lib", "a.rs", "b.rs"}, Passthrough::kMultipleSources},
      {{"--crate-name", "x", "--crate-type", "lib"}, Passthrough::kNoSource},
      {{"--crate-name", "x", "--crate-type", "lib", "-"}, Passthrough::kStdinInput},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--emit=link,metadata", "-o", "x"},
       Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "-l", "static:+verbatim=libz.a"},
       Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--crate-name", "y"}, Passthrough::kUnsupportedOption},
      {{"--crate-name", "x", "--crate-type", "lib", "src/lib.rs", "--out-dir"}, Passthrough::kUnsupportedOption},
  };
  for (const auto& c : cases) {
    std::string text;
    for (const auto& a : c.args) text += a + " ";
    EXPECT_EQ(reason_name(plan_for(c.args).passthrough), reason_name(c.reason)) << text;
  }
}

TEST(RustPlan, ScanArgsLeaveOutWhatNamesOutputs) {
  RustPlan plan = plan_for({"--crate-name", "z", "--emit", "link", "--crate-type=lib", "-o", "x.rlib", "z.rs",
                            "--out-dir=o", "--emit=metadata", "-C", "opt-level=2"});
  EXPECT_EQ(plan.scan_args, (Strings{"--crate-name", "z", "--crate-type=lib", "z.rs", "-C", "opt-level=2"}));
}

TEST(RustPlan, OutputNamesFollowRustc) {
  RustPlan plan = plan_for({"--crate-name", "z", "--crate-type", "rlib", "--crate-type=staticlib", "z.rs"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  // Default emit is link; no --out-dir: the cwd.
  const std::vector<RustOutput> expected = {{"link", "libz.rlib"}, {"link", "libz.a"}};
  EXPECT_EQ(plan.outputs, expected);
  EXPECT_TRUE(plan.depinfo_path.empty());

  plan = plan_for({"--crate-name", "z", "--crate-type", "lib", "z.rs", "--emit", "metadata=m/x.rmeta,dep-info", "--out-dir=o/"});
  const std::vector<RustOutput> explicit_paths = {{"metadata", "m/x.rmeta"}, {"dep-info", "o/z.d"}};
  EXPECT_EQ(plan.outputs, explicit_paths);

  plan = plan_for({"--crate-name", "z", "--crate-type", "lib", "z.rs", "-o", "out.rlib"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  const std::vector<RustOutput> named = {{"link", "out.rlib"}};
  EXPECT_EQ(plan.outputs, named);
}

TEST(RustPlan, NativeLibrariesAndTarget) {
  RustPlan plan = plan_for({"--crate-name", "z", "--crate-type", "lib", "z.rs", "-L", "native=/n", "-L/a",
                            "-L", "dependency=/d", "-l", "static=foo", "-l", "static:-bundle=bar:baz",
                            "-l", "dylib=m", "--target", "specs/my.json"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.native_dirs, (Strings{"/n", "/a"}));
  EXPECT_EQ(plan.static_libs, (Strings{"foo", "bar"}));
  EXPECT_EQ(plan.target_json, "specs/my.json");
  auto found = find_static_lib("foo", plan.native_dirs, [](const std::string& p) { return p == "/a/libfoo.a"; });
  EXPECT_EQ(found, "/a/libfoo.a");
  EXPECT_EQ(find_static_lib("foo", plan.native_dirs, [](const std::string&) { return false; }), "");
}

TEST(RustPlan, RemapOfTheCwdTakesItOutOfTheKey) {
  Strings base = {"--crate-name", "z", "--crate-type", "lib", "z.rs"};
  Strings remap = base;
  remap.insert(remap.end(), {"--remap-path-prefix", "/w/=/src"});
  EXPECT_FALSE(plan_for(remap, "/w").cwd_matters);
  EXPECT_TRUE(plan_for(remap, "/w/sub").cwd_matters);
  EXPECT_TRUE(plan_for(base, "/w").cwd_matters);
}

TEST(RustPlan, ArgfilesAreOneArgumentPerLine) {
  testing::FakeFileReader reader;
  reader.add("/w/args.txt", "--crate-name\nz\n--cfg\nfeature=\"a b\"\r\n");
  RustPlan plan = make_plan({"@args.txt", "--crate-type", "lib", "z.rs"}, "/w", reader);
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.crate_name, "z");
  EXPECT_NE(std::find(plan.args.begin(), plan.args.end(), "feature=\"a b\""), plan.args.end());
  EXPECT_EQ(make_plan({"@missing.txt", "z.rs"}, "/w", reader).passthrough, Passthrough::kResponseFile);
  EXPECT_EQ(make_plan({"@shell:args.txt", "z.rs"}, "/w", reader).passthrough, Passthrough::kResponseFile);
}

}  // namespace
}  // namespace zccache::tools::rustc
