// Whole builds sharing one remote cache (issue 10), against a real redis-server on a loopback port:
// - a CMake + Ninja project (CMAKE_C_COMPILER_LAUNCHER=zccache, so every compile writes a depfile:
//   `-MD -MT obj -MF obj.d`, with absolute -I and source paths) in two checkouts at different
//   paths with ZCCACHE_BASEDIR: machine B gets every object from the remote, objects and depfiles
//   byte-identical to a bare build of its own checkout, and ninja's later no-op and rebuilds are
//   those of a bare build;
// - a cargo workspace (RUSTC_WRAPPER=zccache): a second cache directory gets every crate from the
//   remote, outputs identical to a bare build.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "compiler_test.h"
#include "remote_checks.h"
#include "remote_servers.h"
#include "sandbox.h"

namespace zccache::e2e {
namespace {

constexpr const char* kPatient = "connect-timeout=5000&timeout=5000";

// How many lines of ninja's output name a C object being built, and the first of them.
size_t objects_built(const std::string& out, std::string* first = nullptr) {
  size_t n = 0;
  size_t pos = 0;
  for (size_t at; (at = out.find("Building C object ", pos)) != std::string::npos; pos = at + 1) {
    if (n++ == 0 && first) *first = out.substr(at, out.find('\n', at) - at);
  }
  return n;
}

class RemoteBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!CacheServer::installed(Backend::kRedis)) GTEST_SKIP() << "redis-server is not installed";
    a_ = std::make_unique<Sandbox>();
    b_ = std::make_unique<Sandbox>();
    std::string why;
    server_ = CacheServer::start(Backend::kRedis, a_->root() + "/server", &why);
    ASSERT_TRUE(server_) << why;
  }

  std::unique_ptr<Sandbox> a_, b_;
  std::unique_ptr<CacheServer> server_;
};

// The CMake project, built with gcc and with clang (their depfile writers wrap lines differently).
class RemoteCMakeTest : public RemoteBuildTest, public ::testing::WithParamInterface<CompilerPair> {};

// A library and a program; one header only math.c includes, one in a directory with a space
// (escaped in depfiles) only util.c includes, one all share.
void write_cmake_project(Sandbox& sb, const std::string& rel) {
  sb.write(rel + "/CMakeLists.txt",
           "cmake_minimum_required(VERSION 3.16)\nproject(demo C)\n"
           "add_library(util STATIC src/util.c src/math.c)\n"
           "target_include_directories(util PUBLIC include)\n"
           "add_executable(app src/main.c)\ntarget_link_libraries(app util)\n");
  sb.write(rel + "/include/util.h", "#pragma once\nint twice(int x);\nint cube(int x);\n");
  sb.write(rel + "/include/extra.h", "#pragma once\n#define EXTRA 3\n");
  sb.write(rel + "/include/sub dir/spaced.h", "#pragma once\n#define SPACED 2\n");
  sb.write(rel + "/src/util.c", "#include \"util.h\"\n#include \"sub dir/spaced.h\"\n"
                                "int twice(int x) { return SPACED * x; }\n");
  sb.write(rel + "/src/math.c", "#include \"util.h\"\n#include \"extra.h\"\n"
                                "int cube(int x) { return x * x * x + EXTRA - 3; }\n");
  sb.write(rel + "/src/main.c", "#include <stdio.h>\n#include \"util.h\"\n"
                                "int main(void) { printf(\"%d %d\\n\", twice(21), cube(2)); return 0; }\n");
}

// Configures `proj` (absolute) into proj/build; through zccache when `launcher`.
RunResult configure(Sandbox& sb, const std::string& proj, const char* cc, bool launcher) {
  std::vector<std::string> argv{"cmake", "-S", proj, "-B", proj + "/build", "-G", "Ninja", std::string("-DCMAKE_C_COMPILER=") + cc,
                                "-DCMAKE_C_FLAGS=-O2 -g -Wall -ffile-prefix-map=" + proj + "=."};
  if (launcher) argv.push_back("-DCMAKE_C_COMPILER_LAUNCHER=" + sb.zccache_bin());
  return sb.run(argv);
}

// ninja in proj/build, keeping the depfiles (ninja deletes them once read, by default).
RunResult ninja(Sandbox& sb, const std::string& proj, const std::string& remote_url) {
  RunOptions opts;
  opts.env["ZCCACHE_BASEDIR"] = proj;
  opts.env["ZCCACHE_REMOTE"] = remote_url;
  return sb.run({"ninja", "-C", proj + "/build", "-d", "keepdepfile"}, opts);
}

// The objects and depfiles of a build: CMakeFiles/<target>.dir/src/<name>.c.o and .c.o.d.
std::map<std::string, std::string> objects_and_depfiles(const std::string& proj) {
  return tree(proj + "/build/CMakeFiles", {".c.o", ".c.o.d"});
}

TEST_P(RemoteCMakeTest, CheckoutsShareObjectsAndDepfilesThroughTheRemote) {
  if (!compilers_installed(GetParam())) GTEST_SKIP() << GetParam().name << " is not installed";
  const char* cc = GetParam().cc;
  if (find_in_path("cmake").empty() || find_in_path("ninja").empty()) GTEST_SKIP() << "cmake or ninja missing";
  const std::string url = server_->url(kPatient);
  // Different lengths, so the depfiles' line breaks fall elsewhere in each checkout.
  const std::string a_proj = a_->path("proj");
  const std::string b_proj = b_->path("deeper/checkout-number-two/proj");
  write_cmake_project(*a_, "proj");
  write_cmake_project(*b_, "deeper/checkout-number-two/proj");

  // Machine A (CI): a cold build through zccache, uploaded.
  RunResult r = configure(*a_, a_proj, cc, true);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = ninja(*a_, a_proj, url);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_TRUE(a_->wait_for_stored(3)) << a_->counters().describe();
  EXPECT_EQ(a_->counters().pass("basedir_unshareable"), 0u) << a_->counters().describe();
  ASSERT_TRUE(wait_for_uploads(*a_, 3)) << a_->status_json().dump();

  // Machine B: what a bare build of its checkout writes...
  r = configure(*b_, b_proj, cc, false);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = ninja(*b_, b_proj, url);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto expected = objects_and_depfiles(b_proj);
  ASSERT_EQ(expected.size(), 6u) << "three objects and their depfiles";
  std::filesystem::remove_all(b_proj + "/build");
  // ...and the same build through zccache with an empty local cache: every object from the remote.
  r = configure(*b_, b_proj, cc, true);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = ninja(*b_, b_proj, url);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 3u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  EXPECT_EQ(remote_count(*b_, "hits"), 3u) << b_->status_json().dump();
  auto got = objects_and_depfiles(b_proj);
  expect_same_tree(expected, got);
  const std::string& depfile = got["util.dir/src/util.c.o.d"];
  EXPECT_NE(depfile.find(b_proj + "/include/sub\\ dir/spaced.h"), std::string::npos) << depfile;
  EXPECT_NE(depfile.find("CMakeFiles/util.dir/src/util.c.o:"), std::string::npos) << "the -MT target: " << depfile;
  EXPECT_EQ(got["app.dir/src/main.c.o.d"].find(a_proj), std::string::npos) << "A's checkout in B's depfile";
  EXPECT_NE(got["app.dir/src/main.c.o.d"].find("/usr/include/stdio.h"), std::string::npos) << "system headers stay";

  // Ninja, which read those depfiles, behaves as after a bare build: nothing to do, and a touched
  // header rebuilds exactly the object that includes it (a local hit: the content is the same).
  r = ninja(*b_, b_proj, url);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("no work to do"), std::string::npos) << r.out;
  std::string first;
  b_->set_mtime("deeper/checkout-number-two/proj/include/extra.h", std::chrono::seconds(0));
  r = ninja(*b_, b_proj, url);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(objects_built(r.out, &first), 1u) << r.out;
  EXPECT_NE(first.find("src/math.c.o"), std::string::npos) << r.out;
  b_->set_mtime("deeper/checkout-number-two/proj/include/sub dir/spaced.h", std::chrono::seconds(0));
  r = ninja(*b_, b_proj, url);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(objects_built(r.out, &first), 1u) << r.out;
  EXPECT_NE(first.find("src/util.c.o"), std::string::npos) << r.out;
  r = ninja(*b_, b_proj, url);
  EXPECT_NE(r.out.find("no work to do"), std::string::npos) << r.out;
  c = b_->counters();
  EXPECT_EQ(c.hits, 5u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  expect_same_tree(expected, objects_and_depfiles(b_proj));
}

INSTANTIATE_TEST_SUITE_P(Compilers, RemoteCMakeTest, ::testing::Values(kGcc, kClang),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(RemoteBuildTest, CargoBuildOfASecondCacheGetsEveryCrateFromTheRemote) {
  if (find_in_path("cargo").empty()) GTEST_SKIP() << "cargo is not installed";
  a_->write("ws/Cargo.toml", "[workspace]\nmembers = [\"app\", \"util\"]\nresolver = \"2\"\n");
  a_->write("ws/util/Cargo.toml", "[package]\nname = \"util\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
  a_->write("ws/util/src/lib.rs", "pub fn twice(x: u32) -> u32 { 2 * x }\n");
  a_->write("ws/app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
                                 "[dependencies]\nutil = { path = \"../util\" }\n");
  a_->write("ws/app/src/lib.rs", "pub fn run() -> u32 { util::twice(21) }\npub fn unused() { let x = 1; }\n");
  const std::string ws = a_->path("ws");
  // Machine `sb` builds the workspace (at one path: rustc's outputs name it); through zccache when
  // `wrapped`.
  auto cargo = [&](Sandbox& sb, const std::vector<std::string>& args, bool wrapped) {
    std::vector<std::string> argv{"cargo"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions opts;
    opts.cwd = ws;
    opts.env["CARGO_TERM_COLOR"] = "never";
    opts.env["ZCCACHE_REMOTE"] = server_->url(kPatient);
    if (wrapped) opts.env["RUSTC_WRAPPER"] = sb.zccache_bin();
    return sb.run(argv, opts);
  };
  RunResult r = cargo(*a_, {"build", "--release"}, false);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto expected = tree(ws + "/target/release/deps");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(cargo(*a_, {"clean"}, false).exit_code, 0);
  r = cargo(*a_, {"build", "--release"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(a_->counters().misses, 2u) << a_->counters().describe();
  ASSERT_TRUE(a_->wait_for_stored(2)) << a_->counters().describe();
  ASSERT_TRUE(wait_for_uploads(*a_, 2)) << a_->status_json().dump();

  ASSERT_EQ(cargo(*a_, {"clean"}, false).exit_code, 0);
  r = cargo(*b_, {"build", "--release"}, true);  // B's own, empty cache directory
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("unused variable: `x`"), std::string::npos) << "the warning is replayed: " << r.err;
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  EXPECT_EQ(remote_count(*b_, "hits"), 2u) << b_->status_json().dump();
  expect_same_tree(expected, tree(ws + "/target/release/deps"));
  auto lines = stopped_journal(*b_);
  auto hits = lines_for(lines, "hit", "util/src/lib.rs");
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_TRUE(hits[0].contains("remote")) << hits[0].dump();
  EXPECT_EQ(hits[0]["remote"][0]["outcome"], "hit");
}

}  // namespace
}  // namespace zccache::e2e
