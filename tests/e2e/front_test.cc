// The front (src/zccache/front): `zccache` answers a hit alone and execs zccache-client, found
// beside itself, for everything else, with the daemon's unread reply to a miss in hand so that the
// daemon is asked once. An installation without zccache-client still builds (uncached), and the
// front is the static musl binary it was built to be.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

namespace fs = std::filesystem;

class Front : public ::testing::Test, protected CompileChecks {
 protected:
  void SetUp() override {
    if (!compilers_installed(kGcc)) GTEST_SKIP() << "gcc is not installed";
    init(kGcc);
  }

  // A copy of the front in `dir`, alone there unless the test puts more beside it; its path.
  std::string copy_front(const std::string& dir) {
    sb().make_dir(dir);
    const std::string copy = sb().path(dir + "/zccache");
    std::error_code ec;
    fs::copy_file(bin_dir() + "/zccache", copy, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(::chmod(copy.c_str(), 0755), 0);
    return copy;
  }

  size_t lines(const std::string& rel) {
    FileBytes text = sb().read(rel);
    return text ? static_cast<size_t>(std::count(text->begin(), text->end(), '\n')) : 0;
  }
};

TEST_F(Front, AHitRunsNoClientAndAMissHandsOverOnce) {
  // bin/zccache-client logs each run's MODE, then is the real client (which finds the real daemon
  // beside itself). Status goes through bin_dir()'s front and client, so it never writes to the log.
  const std::string front = copy_front("bin");
  ASSERT_EQ(::symlink(sb().daemon_bin().c_str(), sb().path("bin/zccache-daemon").c_str()), 0);
  sb().write("bin/zccache-client",
             "#!/bin/sh\necho \"$2\" >> " + sb().path("client.log") + "\nexec " + bin_dir() + "/zccache-client \"$@\"\n");
  ASSERT_EQ(::chmod(sb().path("bin/zccache-client").c_str(), 0755), 0);
  sb().write("a.c", kHelloC);
  // A running daemon, so that the front asks it and hands the miss's reply over (not "ask").
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);

  CompileResult miss = sb().compile({front, cc(), "-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_EQ(miss.run.exit_code, 0) << miss.run.describe();
  ASSERT_TRUE(miss.files["a.o"]);
  // MODE is the descriptor of the connection holding the daemon's reply.
  EXPECT_EQ(lines("client.log"), 1u);
  const std::string mode = sb().read("client.log").value_or("");
  EXPECT_TRUE(mode.size() > 1 && mode.find_first_not_of("0123456789") == mode.size() - 1) << mode;
  Counters after_miss = sb().counters();
  // Two misses would mean the client asked again instead of reading the front's reply.
  EXPECT_EQ(after_miss.misses, 1u) << after_miss.describe();
  EXPECT_EQ(after_miss.hits, 0u) << after_miss.describe();
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();

  CompileResult hit = sb().compile({front, cc(), "-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_EQ(hit.run.exit_code, 0) << hit.run.describe();
  EXPECT_TRUE(same_bytes("a.o", miss.files["a.o"], hit.files["a.o"]));
  EXPECT_EQ(lines("client.log"), 1u) << "the hit ran zccache-client";
  Counters after_hit = sb().counters();
  EXPECT_EQ(after_hit.hits, 1u) << after_hit.describe();
  EXPECT_EQ(after_hit.misses, 1u) << after_hit.describe();
}

TEST_F(Front, WithoutItsClientACompileRunsUncached) {
  const std::string front = copy_front("lone");
  sb().write("a.c", kHelloC);
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_EQ(b.run.exit_code, 0) << b.run.describe();
  auto expect_uncached = [&](const CompileResult& r, const std::string& label) {
    EXPECT_FALSE(r.run.timed_out) << label;
    EXPECT_EQ(r.run.exit_code, 0) << label << ": " << r.run.describe();
    EXPECT_TRUE(same_bytes(label + ": a.o", b.files.at("a.o"), r.files.at("a.o")));
    EXPECT_NE(r.run.err.find("compiling uncached"), std::string::npos) << label << ": " << r.run.err;
  };
  expect_uncached(sb().compile({front, find_in_path(cc()), "-c", "a.c", "-o", "a.o"}, {"a.o"}), "absolute path");
  expect_uncached(sb().compile({front, cc(), "-c", "a.c", "-o", "a.o"}, {"a.o"}), "bare name");

  // A masquerade symlink first in PATH: the front's own search must skip it, or it runs itself forever.
  sb().make_dir("masq");
  ASSERT_EQ(::symlink(front.c_str(), sb().path("masq/" + cc()).c_str()), 0);
  RunOptions masq;
  masq.env["PATH"] = sb().path("masq") + ":" + sb().base_env()["PATH"];
  masq.timeout = std::chrono::seconds(30);
  expect_uncached(sb().compile({cc(), "-c", "a.c", "-o", "a.o"}, {"a.o"}, masq), "masquerade");
}

TEST_F(Front, ACommandWithoutItsClientFailsClearly) {
  // There is no compiler to fall back to: the build (or user) must learn what is missing.
  const std::string front = copy_front("lone");
  RunResult r = sb().run({front, "status"});
  EXPECT_EQ(r.exit_code, 127) << r.describe();
  EXPECT_NE(r.err.find("cannot run " + sb().path("lone/zccache-client")), std::string::npos) << r.err;
}

// The symbols of glibc's start-up that ask the CPU for its features and caches (cpuid, a trap in
// a VM), as nm lists them, GCC's clone suffixes (".constprop.0") included.
std::vector<std::string> glibc_startup_symbols(Sandbox& sb, const std::string& binary) {
  RunResult nm = sb.run({"nm", binary});
  EXPECT_EQ(nm.exit_code, 0) << nm.describe();
  EXPECT_NE(nm.out.find(" main\n"), std::string::npos) << "nm lists no symbols: a stripped binary proves nothing";
  std::vector<std::string> found;
  std::istringstream in(nm.out);
  for (std::string line; std::getline(in, line);) {
    std::string name = line.substr(line.rfind(' ') + 1);
    name = name.substr(0, name.find('.'));
    for (const char* s : {"init_cpu_features", "init_cacheinfo", "intel_check_word", "_dl_x86_cpu_features"})
      if (name == s && line.find(" U ") == std::string::npos) found.push_back(line);
  }
  return found;
}

TEST_F(Front, IsLinkedAgainstMuslWhenBuiltSo) {
  if (std::string(ZCCACHE_FRONT_LIBC) != "musl") GTEST_SKIP() << "the front is linked against glibc";
  const std::string front = bin_dir() + "/zccache";
  EXPECT_EQ(glibc_startup_symbols(sb(), front), std::vector<std::string>{});
  RunResult headers = sb().run({"readelf", "-l", front});
  ASSERT_EQ(headers.exit_code, 0) << headers.describe();
  EXPECT_NE(headers.out.find("LOAD"), std::string::npos) << headers.out;
  EXPECT_EQ(headers.out.find("INTERP"), std::string::npos) << "not static:\n" << headers.out;

  // The check itself: a static glibc no-op has them (when this machine can link one).
  sb().write("noop.c", "int main(void) { return 0; }\n");
  if (sb().run({cc(), "-static", "noop.c", "-o", "noop"}).exit_code == 0) {
    EXPECT_NE(glibc_startup_symbols(sb(), sb().path("noop")), std::vector<std::string>{});
  }
}

TEST_F(Front, HandedOverMissKeepsStdoutStderrAndExitCode) {
  // A running daemon: the front asks, and the client goes on from the daemon's reply.
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  sb().write("bad.c", "int broken(void) { return nope; }\n");
  CompileResult failed = compile_both({"-c", "bad.c", "-o", "bad.o"}, {"bad.o"});
  EXPECT_NE(failed.run.exit_code, 0);
  EXPECT_NE(failed.run.err.find("nope"), std::string::npos) << failed.run.err;
  EXPECT_GE(sb().counters().misses, 1u) << "test premise: the front asked the daemon";

  sb().write("w.c", "int f(int x) { int unused = x; return x; }\n");
  CompileResult warned = miss_then_hit({"-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_EQ(warned.run.exit_code, 0);
  EXPECT_NE(warned.run.err.find("warning"), std::string::npos) << "test premise: " << warned.run.err;
}

}  // namespace
}  // namespace zccache::e2e
