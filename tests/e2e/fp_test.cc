// zccache-fp, the fingerprint CLI: check / mark-success / mark-failure cycles on a real tree, alone
// and through a running daemon (which must give the same answers), and its fallback to working
// alone when the daemon is missing, stopped or answers with an error.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

enum class Mode { kAlone, kDaemon };

// "zccache-fp: 3 files, 1 hashed, 2 digests from the daemon" or "... (no daemon: <why>)".
constexpr const char* kFromDaemon = " digests from the daemon\n";
constexpr const char* kNoDaemon = " (no daemon: ";

class FpBase : public ::testing::Test {
 protected:
  void SetUp() override {
    sb_ = std::make_unique<Sandbox>();
    sb().write("proto/a.proto", "message A {}\n");
    sb().write("proto/sub/b.proto", "message B {}\n");
    sb().write("proto/notes.txt", "not an input\n");
    sb().write("proto/build/gen.proto", "generated, excluded\n");
  }
  Sandbox& sb() { return *sb_; }
  void start_daemon() { ASSERT_EQ(sb().zccache({"start"}).exit_code, 0); }

  // Runs with --verbose (stderr tells which mode answered) and, unless mark-failure, the
  // fixture's selection.
  RunResult fp(const std::string& command, std::vector<std::string> extra = {}, const RunOptions& opts = {}) {
    std::vector<std::string> argv{bin_dir() + "/zccache-fp", "--cache-file", sb().path(cache_), command, "--verbose"};
    if (command != "mark-failure") {
      for (const char* a : {"--root", "proto", "--include", "**/*.proto", "--exclude", "build/**"}) argv.push_back(a);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunResult r = sb().run(argv, opts);
    if (command != "mark-failure" && expect_daemon_) {
      bool from_daemon = r.err.find(kFromDaemon) != std::string::npos;
      EXPECT_EQ(from_daemon, *expect_daemon_) << command << ": " << r.err;
    }
    return r;
  }
  void expect_unchanged() {
    RunResult r = fp("check");
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "");
  }
  void expect_changed(const std::string& lines) {
    RunResult r = fp("check");
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_EQ(r.out, lines);
  }
  void mark_success() {
    RunResult r = fp("mark-success");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  std::string cache_ = "fp/state";
  std::optional<bool> expect_daemon_;  // checked on every run when set
  std::unique_ptr<Sandbox> sb_;
};

// The same scenarios alone and through the daemon.
class Fp : public FpBase, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    FpBase::SetUp();
    if (GetParam() == Mode::kDaemon) start_daemon();
    expect_daemon_ = GetParam() == Mode::kDaemon;
  }
};

INSTANTIATE_TEST_SUITE_P(, Fp, ::testing::Values(Mode::kAlone, Mode::kDaemon),
                         [](const auto& info) { return info.param == Mode::kDaemon ? "Daemon" : "Alone"; });

TEST_P(Fp, CheckMarkCyclesReportAddedRemovedAndModifiedFiles) {
  expect_changed("no recorded success\n");
  mark_success();
  expect_unchanged();
  expect_unchanged();

  sb().write("proto/a.proto", "message A { int32 x = 1; }\n");
  expect_changed("modified a.proto\n");
  expect_changed("modified a.proto\n");  // check does not record success
  mark_success();
  expect_unchanged();

  sb().write("proto/sub/c.proto", "message C {}\n");
  sb().remove("proto/sub/b.proto");
  expect_changed("removed sub/b.proto\nadded sub/c.proto\n");
  mark_success();
  expect_unchanged();

  ASSERT_EQ(fp("mark-failure").exit_code, 0);
  expect_changed("no recorded success\n");
  mark_success();
  expect_unchanged();
}

TEST_P(Fp, FilesOutsideTheSelectionDoNotCount) {
  mark_success();
  sb().write("proto/notes.txt", "edited\n");
  sb().write("proto/build/gen.proto", "regenerated\n");
  sb().write("elsewhere.proto", "outside the root\n");
  expect_unchanged();
}

TEST_P(Fp, SameSizeEditWithRestoredMtimeIsSeen) {
  // Written "now" (not backdated), then rewritten with the same size and its mtime put back:
  // ctime (and the racy-timestamp rule, see fingerprint.h) still reveal the edit.
  std::string path = sb().path("proto/a.proto");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("message A {}\n", f);
  std::fclose(f);
  mark_success();
  struct timespec mtime = sb().mtime("proto/a.proto");
  f = std::fopen(path.c_str(), "w");
  std::fputs("message Z {}\n", f);
  std::fclose(f);
  sb().set_mtime_exact("proto/a.proto", mtime);
  expect_changed("modified a.proto\n");
}

TEST_P(Fp, DifferentArgumentsDoNotReuseASuccess) {
  mark_success();
  RunResult r = fp("check", {"--include", "**/*.txt"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out.rfind("arguments differ from the last mark-success\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("added notes.txt"), std::string::npos) << r.out;
}

TEST_P(Fp, CacheFileInsideTheRootIsIgnored) {
  cache_ = "proto/.fp/state.proto";  // matches the include glob
  mark_success();
  expect_unchanged();
  mark_success();  // rewrites the cache file: still no change
  expect_unchanged();
}

TEST_P(Fp, CorruptCacheFileMeansChanged) {
  mark_success();
  sb().write(cache_, "garbage");
  expect_changed("no recorded success (the cache file is unreadable)\n");
  mark_success();
  expect_unchanged();
}

TEST_F(FpBase, BadUsageExitsTwoWithOneLine) {
  std::string bin = bin_dir() + "/zccache-fp";
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {bin, "check", "--root", "proto"},
           {bin, "--cache-file", "s", "--root", "proto"},
           {bin, "--cache-file", "s", "check", "--bogus"},
           {bin, "--cache-file", "s", "check", "--root"},
           {bin, "--cache-file", "s", "check", "mark-success"},
           {bin, "--cache-file", "s", "check", "--root", "no-such-dir"}}) {
    RunResult r = sb().run(argv);
    EXPECT_EQ(r.exit_code, 2) << argv[1] << " " << argv[2] << ": " << r.describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("zccache-fp: ", 0), 0u) << r.err;
  }
  RunResult help = sb().run({bin, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage"), std::string::npos);
}

// Through the daemon only.
class FpDaemon : public FpBase {
 protected:
  void SetUp() override {
    FpBase::SetUp();
    start_daemon();
  }
  // The digests the last run took from the daemon and the files it hashed itself, from --verbose.
  static std::string counts(const RunResult& r) {
    size_t files = r.err.find(" files, ");
    size_t end = r.err.find('\n', files);
    return files == std::string::npos ? r.err : r.err.substr(files + 8, end - files - 8);
  }
};

// The daemon answers from its watched metadata: no stat and no read of an unchanged file. An edit
// that keeps size and mtime (touch -d) right before the check must still be seen: the daemon
// drains the watcher's queue before it answers.
TEST_F(FpDaemon, EditWithRestoredMtimeRightBeforeCheckIsSeen) {
  RunResult first = fp("mark-success");
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  RunResult warm = fp("check");
  EXPECT_EQ(warm.exit_code, 0) << warm.describe();
  EXPECT_EQ(counts(warm), "0 hashed, 2 digests from the daemon") << warm.err;

  struct timespec mtime = sb().mtime("proto/sub/b.proto");
  std::string path = sb().path("proto/sub/b.proto");
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("message Z {}\n", f);  // same size
  std::fclose(f);
  sb().set_mtime_exact("proto/sub/b.proto", mtime);
  RunResult r = fp("check");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "modified sub/b.proto\n");

  // Added and removed right before a check, too.
  f = std::fopen(sb().path("proto/sub/c.proto").c_str(), "w");
  std::fclose(f);
  ::unlink(sb().path("proto/a.proto").c_str());
  r = fp("check");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "removed a.proto\nmodified sub/b.proto\nadded sub/c.proto\n");
}

// Both modes hash the same way, so a cache file written in one is valid in the other.
TEST_F(FpDaemon, CacheFileIsValidInEitherMode) {
  ASSERT_EQ(fp("mark-success").exit_code, 0);
  expect_daemon_ = false;
  RunResult alone = fp("check", {"--no-daemon"});
  EXPECT_EQ(alone.exit_code, 0) << alone.describe();
  sb().write("proto/a.proto", "message A { int32 x = 1; }\n");
  ASSERT_EQ(fp("mark-success", {"--no-daemon"}).exit_code, 0);
  expect_daemon_ = true;
  RunResult daemon = fp("check");
  EXPECT_EQ(daemon.exit_code, 0) << daemon.describe();
  EXPECT_EQ(daemon.out, "");
  sb().write("proto/sub/b.proto", "message B { int32 y = 2; }\n");
  EXPECT_EQ(fp("check").out, "modified sub/b.proto\n");
  expect_daemon_ = false;
  EXPECT_EQ(fp("check", {"--no-daemon"}).out, "modified sub/b.proto\n");
}

TEST_F(FpDaemon, NoDaemonFlagOrVariableWorksAlone) {
  expect_daemon_ = false;
  RunResult flag = fp("check", {"--no-daemon"});
  EXPECT_NE(flag.err.find(" (no daemon: --no-daemon)"), std::string::npos) << flag.err;
  RunOptions opts;
  opts.env["ZCCACHE_FP_NO_DAEMON"] = "1";
  RunResult env = fp("check", {}, opts);
  EXPECT_NE(env.err.find(" (no daemon: ZCCACHE_FP_NO_DAEMON is set)"), std::string::npos) << env.err;
  opts.env["ZCCACHE_FP_NO_DAEMON"] = "0";
  expect_daemon_ = true;
  fp("check", {}, opts);
}

// A daemon that answers with an error (here: it is another version) is not a failure.
TEST_F(FpDaemon, ErrorReplyFallsBackToWorkingAlone) {
  RunOptions other;
  other.env["ZCCACHE_CLIENT_VERSION_FOR_TESTING"] = "0.0.1";
  expect_daemon_ = false;
  ASSERT_EQ(fp("mark-success", {}, other).exit_code, 0);
  sb().write("proto/a.proto", "message A { int32 x = 1; }\n");
  RunResult r = fp("check", {}, other);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "modified a.proto\n");
  EXPECT_NE(r.err.find("does not serve zccache-fp 0.0.1"), std::string::npos) << r.err;
  EXPECT_TRUE(sb().status_pid()) << "a zccache-fp of another version must not stop the daemon";
}

// Stopped (alive, socket open, never replies): each run waits at most ZCCACHE_TIMEOUT.
TEST_F(FpDaemon, StoppedDaemonTimesOutAndFallsBack) {
  ASSERT_EQ(fp("mark-success").exit_code, 0);
  std::optional<pid_t> pid = sb().freeze_daemon();
  ASSERT_TRUE(pid);
  expect_daemon_ = false;
  sb().write("proto/sub/b.proto", "message B { int32 y = 2; }\n");
  RunResult r = fp("check", {}, impatient_options());
  ASSERT_EQ(::kill(*pid, SIGCONT), 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "modified sub/b.proto\n");
  EXPECT_NE(r.err.find(kNoDaemon), std::string::npos) << r.err;
  expect_daemon_ = true;
  EXPECT_EQ(fp("check").out, "modified sub/b.proto\n") << "resumed, it serves again";
}

// Without a daemon zccache-fp works alone and does not start one.
TEST_F(FpBase, WithoutADaemonWorksAloneAndStartsNone) {
  expect_daemon_ = false;
  ASSERT_EQ(fp("mark-success").exit_code, 0);
  sb().write("proto/a.proto", "message A { int32 x = 1; }\n");
  RunResult r = fp("check");
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.out, "modified a.proto\n");
  EXPECT_NE(r.err.find(kNoDaemon), std::string::npos) << r.err;
  EXPECT_TRUE(sb().daemon_pids().empty()) << "zccache-fp started a daemon";
}

}  // namespace
}  // namespace zccache::e2e
