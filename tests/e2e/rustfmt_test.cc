// rustfmt through zccache: runs on already-formatted files are skipped (no rustfmt process, no
// output), also for --check; anything else runs rustfmt and matches a bare run exactly. Module
// files rustfmt follows from the given file count, and so do rustfmt.toml files. Skipped when
// rustfmt is not installed.
#include <filesystem>
#include <string>
#include <vector>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

class Rustfmt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_in_path("rustfmt").empty()) GTEST_SKIP() << "rustfmt not installed";
    sb_ = std::make_unique<Sandbox>();
    sb().write("src/lib.rs", "pub mod m;\npub fn f( )->u32{ m::g() }\n");
    sb().write("src/m.rs", "pub fn g()->u32 {  7 }\n");
  }
  Sandbox& sb() { return *sb_; }

  struct Outcome {
    RunResult run;
    std::string lib, m;
  };
  Outcome rustfmt(bool cached, std::vector<std::string> args) {
    std::vector<std::string> argv{"rustfmt", "--edition", "2021"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (cached) argv.insert(argv.begin(), sb().zccache_bin());
    Outcome o{sb().run(argv), "", ""};
    o.lib = sb().read("src/lib.rs").value_or("");
    o.m = sb().read("src/m.rs").value_or("");
    return o;
  }
  // Runs bare, restores the files, runs through zccache: the same exit code, output and files.
  Outcome same_as_bare(std::vector<std::string> args) {
    std::string lib = *sb().read("src/lib.rs"), m = *sb().read("src/m.rs");
    Outcome bare = rustfmt(false, args);
    sb().write("src/lib.rs", lib);
    sb().write("src/m.rs", m);
    Outcome cached = rustfmt(true, args);
    EXPECT_EQ(bare.run.exit_code, cached.run.exit_code) << cached.run.describe();
    EXPECT_EQ(bare.run.out, cached.run.out);
    EXPECT_EQ(bare.run.err, cached.run.err);
    EXPECT_EQ(bare.lib, cached.lib);
    EXPECT_EQ(bare.m, cached.m);
    return cached;
  }

  std::unique_ptr<Sandbox> sb_;
};

TEST_F(Rustfmt, FormattedFilesAreSkippedAlsoInCheckMode) {
  Outcome first = same_as_bare({"src/lib.rs"});
  EXPECT_EQ(first.m, "pub fn g() -> u32 {\n    7\n}\n");  // the module file was formatted too
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  Outcome again = same_as_bare({"src/lib.rs"});
  Outcome check = same_as_bare({"--check", "src/lib.rs"});
  EXPECT_EQ(check.run.exit_code, 0);
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();
  EXPECT_EQ(c.misses, 1u);
}

TEST_F(Rustfmt, AnEditedModuleFileIsCheckedAgain) {
  same_as_bare({"src/lib.rs"});
  ASSERT_TRUE(sb().wait_for_stored(1));
  sb().write("src/m.rs", "pub fn g()->u32 { 8 }\n");
  Outcome check = same_as_bare({"--check", "src/lib.rs"});
  EXPECT_EQ(check.run.exit_code, 1);
  EXPECT_NE(check.run.out.find("Diff in"), std::string::npos) << check.run.out;
  // A failed check stores nothing; the file is marked formatted only once it is.
  same_as_bare({"--check", "src/lib.rs"});
  same_as_bare({"src/lib.rs"});
  ASSERT_TRUE(sb().wait_for_stored(2));
  same_as_bare({"--check", "src/lib.rs"});
  Counters c = sb().counters();
  EXPECT_EQ(c.misses, 4u) << c.describe();
  EXPECT_EQ(c.hits, 1u);
}

TEST_F(Rustfmt, ConfigurationFileIsPartOfTheKey) {
  same_as_bare({"src/lib.rs"});
  ASSERT_TRUE(sb().wait_for_stored(1));
  sb().write("rustfmt.toml", "hard_tabs = true\n");  // in a parent of src/: rustfmt finds it
  Outcome tabs = same_as_bare({"src/lib.rs"});
  EXPECT_NE(tabs.m.find('\t'), std::string::npos) << tabs.m;
  Counters c = sb().counters();
  EXPECT_EQ(c.misses, 2u) << c.describe();
  EXPECT_EQ(c.hits, 0u);
}

TEST_F(Rustfmt, CargoFmtThroughAMasqueradeLink) {
  sb().write("Cargo.toml", "[package]\nname = \"fmtme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
  std::filesystem::create_directories(sb().path("shim"));
  std::filesystem::create_symlink(sb().zccache_bin(), sb().path("shim/rustfmt"));
  // cargo fmt runs $RUSTFMT; the link named rustfmt runs the next rustfmt in PATH through zccache.
  EnvChanges env{{"RUSTFMT", sb().path("shim/rustfmt")}};
  RunResult first = sb().run({"cargo", "fmt"}, {.env = env});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_EQ(*sb().read("src/m.rs"), "pub fn g() -> u32 {\n    7\n}\n");
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  RunResult check = sb().run({"cargo", "fmt", "--check"}, {.env = env});
  EXPECT_EQ(check.exit_code, 0) << check.describe();
  EXPECT_EQ(sb().counters().hits, 1u) << sb().counters().describe();
}

TEST_F(Rustfmt, UncacheableRunsPassThrough) {
  RunResult verbose = sb().zccache({"rustfmt", "-v", "src/lib.rs"});
  EXPECT_EQ(verbose.exit_code, 0) << verbose.describe();
  EXPECT_NE(verbose.out.find("Formatting"), std::string::npos);
  RunResult stdin_run = sb().zccache({"rustfmt"}, {.stdin_data = std::string("fn  main(){}\n")});
  EXPECT_EQ(stdin_run.out, "fn main() {}\n");
  Counters c = sb().counters();
  EXPECT_EQ(c.pass("unsupported_option"), 1u) << c.describe();
  EXPECT_EQ(c.pass("stdin_input"), 1u);
}

}  // namespace
}  // namespace zccache::e2e
