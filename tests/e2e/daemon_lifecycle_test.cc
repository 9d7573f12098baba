// The management commands (--version, start, stop, status, clear), the daemon's idle exit, and the
// store across daemon restarts and against corruption.
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "compiler_test.h"
#include "zccache/testing/index_format.h"

namespace zccache::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Inverts one byte of a file in place (same size, same inode).
void flip_byte(const std::string& path, uintmax_t offset) {
  std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  io.get(c);
  io.seekp(static_cast<std::streamoff>(offset));
  io.put(static_cast<char>(~c));
  ASSERT_TRUE(io.good()) << "cannot flip a byte of " << path;
}

class Lifecycle : public CompilerTest {
 protected:
  // `zccache stop`, and waits until the daemon is gone (so its index may be edited).
  void stop_daemon() {
    std::optional<pid_t> pid = sb().status_pid();
    ASSERT_TRUE(pid) << "no daemon to stop";
    ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);
    ASSERT_TRUE(wait_for_exit(*pid));
  }
  std::string index_dir() { return sb().cache_dir() + "/index"; }
  // Lines of logs/daemon.log that report a discarded index.
  std::vector<std::string> discard_lines() {
    std::vector<std::string> out;
    std::ifstream in(sb().cache_dir() + "/logs/daemon.log");
    for (std::string line; std::getline(in, line);) {
      if (line.find("discarded the index") != std::string::npos) out.push_back(line);
    }
    return out;
  }
  // After the index was spoiled: a compile is the bare compiler's (a miss, never a hit from the
  // old index), the daemon counts and logs the discard once, b.o's artifact (compiled only before)
  // is gone with the old index, and the cache works again.
  void expect_index_discarded(const Args& args, const std::string& b_artifact) {
    CompileResult b = bare(args, {"a.o"});
    CompileResult c = cached(args, {"a.o"});
    expect_same_compile(b, c, "first compile on the discarded index");
    nlohmann::json j = sb().status_json();
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["daemon_running"], true);
    EXPECT_EQ(j["hits"], 0u) << j.dump();
    EXPECT_EQ(j["index_discarded"], 1u) << j.dump();
    std::vector<std::string> lines = discard_lines();
    ASSERT_EQ(lines.size(), 1u) << "one line in daemon.log";
    EXPECT_NE(lines[0].find("the cache starts empty"), std::string::npos) << lines[0];
    EXPECT_FALSE(fs::exists(b_artifact)) << "an artifact of the discarded index survived: " << b_artifact;
    ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
    expect_hit(args, {"a.o"});
    RunResult human = sb().zccache({"status"});
    EXPECT_NE(human.out.find("index discarded 1"), std::string::npos) << human.out;
  }
  // Fills the cache with a.o and b.o, stops the daemon; returns the path of b.o's artifact.
  std::string cache_two_objects_and_stop() {
    sb().write("a.c", kHelloC);
    sb().write("b.c", "int only_b(void) { return 42; }\n");
    expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
    std::vector<std::string> before = artifact_files();
    expect_miss({"-c", "b.c", "-o", "b.o"}, {"b.o"});
    std::string b_artifact;
    for (const auto& f : artifact_files()) {
      if (std::find(before.begin(), before.end(), f) == before.end()) b_artifact = f;
    }
    EXPECT_FALSE(b_artifact.empty()) << "test premise: b.o was stored";
    stop_daemon();
    return b_artifact;
  }

  // Regular files under $ZCCACHE_DIR/artifacts.
  std::vector<std::string> artifact_files() {
    std::vector<std::string> out;
    std::error_code ec;
    fs::path root = sb().cache_dir() + "/artifacts";
    if (!fs::exists(root, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && it->file_size(ec) > 0) out.push_back(it->path().string());
    }
    return out;
  }
};

TEST_P(Lifecycle, VersionMatchesStatus) {
  RunResult v = sb().zccache({"--version"});
  EXPECT_EQ(v.exit_code, 0) << v.describe();
  EXPECT_FALSE(v.out.empty());
  nlohmann::json j = sb().status_json();
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["version"].is_string());
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  EXPECT_NE(v.out.find(j["version"].get<std::string>()), std::string::npos) << v.out;
}

TEST_P(Lifecycle, StatusWithoutDaemonStartsNone) {
  nlohmann::json j = sb().status_json();
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["daemon_running"], false);
  EXPECT_TRUE(sb().daemon_pids().empty());
  RunResult human = sb().zccache({"status"});
  EXPECT_EQ(human.exit_code, 0) << human.describe();
  EXPECT_TRUE(sb().daemon_pids().empty());
}

TEST_P(Lifecycle, StartThenStop) {
  RunResult start = sb().zccache({"start"});
  ASSERT_EQ(start.exit_code, 0) << start.describe();
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_TRUE(pid.has_value()) << "status --json has no pid while the daemon runs";
  EXPECT_TRUE(process_alive(*pid));
  EXPECT_EQ(sb().daemon_pids(), std::vector<pid_t>{*pid});
  // A second start finds the running daemon.
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  EXPECT_EQ(sb().status_pid(), pid);

  RunResult stop = sb().zccache({"stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.describe();
  EXPECT_TRUE(wait_for_exit(*pid)) << "the daemon is still running after stop";
  nlohmann::json j = sb().status_json();
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["daemon_running"], false);
  RunResult again = sb().zccache({"stop"});
  EXPECT_EQ(again.exit_code, 0) << "stop without a daemon: " << again.describe();
}

TEST_P(Lifecycle, StatusJsonHasTheDocumentedFields) {
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  nlohmann::json j = sb().status_json();
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j["daemon_running"].is_boolean());
  EXPECT_EQ(j["daemon_running"], true);
  EXPECT_TRUE(j["version"].is_string());
  EXPECT_EQ(j["cache_dir"], sb().cache_dir());
  for (const char* n : {"entries", "size_bytes", "hits", "misses", "errors", "stored", "compile_failed"})
    EXPECT_TRUE(j[n].is_number_unsigned()) << n << " in " << j.dump();
  EXPECT_TRUE(j["passthrough"].is_object()) << j.dump();
  EXPECT_TRUE(j["pid"].is_number_integer()) << j.dump();
}

TEST_P(Lifecycle, StatusCountsEveryOutcome) {
  sb().write("a.c", kHelloC);
  sb().write("b.c", "int b(void) { return 2; }\n");
  sb().write("bad.c", "int broken(void) { return nope; }\n");
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_miss({"-c", "b.c", "-o", "b.o"}, {"b.o"});
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  compile_both({"-E", "a.c"}, {});
  compile_both({"-c", "a.c", "b.c", "-o", "ab.o"}, {"ab.o"});
  compile_both({"-c", "bad.c", "-o", "bad.o"}, {"bad.o"});
  ASSERT_TRUE(sb().wait_until([](const Counters& c) { return c.compile_failed >= 1; }));
  Counters c = sb().counters();
  EXPECT_TRUE(c.daemon_running);
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 3u) << c.describe();
  EXPECT_EQ(c.stored, 2u) << c.describe();
  EXPECT_EQ(c.compile_failed, 1u) << c.describe();
  EXPECT_EQ(c.errors, 0u) << c.describe();
  EXPECT_EQ(c.entries, 2u) << c.describe();
  EXPECT_GT(c.size_bytes, 0u) << c.describe();
  std::map<std::string, uint64_t> expected{{"preprocess_only", 1}, {"multiple_sources", 1}};
  EXPECT_EQ(c.passthrough, expected) << c.describe();
  RunResult human = sb().zccache({"status"});
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_NE(human.out.find("hits"), std::string::npos) << human.out;
}

TEST_P(Lifecycle, ClearEmptiesTheCache) {
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_GT(sb().counters().entries, 0u);
  RunResult clear = sb().zccache({"clear"});
  EXPECT_EQ(clear.exit_code, 0) << clear.describe();
  Counters after = sb().counters();
  EXPECT_EQ(after.entries, 0u) << after.describe();
  // The next compile is a miss (and then stored again).
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

// A client of another version makes the running daemon stop; the client then starts a daemon of
// its own version (here the same binary answers "mismatch" again, so the client compiles alone).
TEST_P(Lifecycle, DaemonOfAnotherVersionIsReplaced) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> old_pid = sb().status_pid();
  ASSERT_TRUE(old_pid);
  RunOptions opts;
  opts.env["ZCCACHE_CLIENT_VERSION_FOR_TESTING"] = "0.0.0-other";
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult c = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
  expect_same_compile(b, c);
  EXPECT_TRUE(wait_for_exit(*old_pid)) << "the daemon of another version kept running";
  // A client of the daemon's own version is served again, by a new daemon.
  CompileResult again = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_same_compile(b, again);
  std::optional<pid_t> new_pid = sb().status_pid();
  ASSERT_TRUE(new_pid);
  EXPECT_NE(*new_pid, *old_pid);
}

TEST_P(Lifecycle, ArtifactsSurviveADaemonRestart) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> first = sb().status_pid();
  ASSERT_TRUE(first);
  ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);
  ASSERT_TRUE(wait_for_exit(*first));
  // A new daemon finds the entry on disk.
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  Counters before = sb().counters();
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult c = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_same_compile(b, c);
  std::optional<pid_t> second = sb().status_pid();
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, before.hits + 1) << after.describe();
  EXPECT_EQ(after.misses, before.misses) << after.describe();
}

// The compiler's probes (--version, -E -dM, the SOURCE_DATE_EPOCH test) ran in every new daemon:
// ~70 ms of clang on the first compile, on every CI job with a restored cache. They are saved
// with the compiler's stat signature (daemon/saved_probe.h).
class SavedProbes : public Lifecycle {
 protected:
  // A compiler that logs each run's arguments. Written ahead of the racy window: a digest taken
  // right after a change is not trusted by the next daemon (and the compiler is probed again).
  std::string logging_compiler(const std::string& flag) {
    sb().write("tools/cc", "#!/bin/sh\necho \"$*\" >> " + sb().path("runs.log") + "\nexec " + find_in_path(cc()) +
                               " " + flag + " \"$@\"\n");
    EXPECT_EQ(::chmod(sb().path("tools/cc").c_str(), 0755), 0);
    std::this_thread::sleep_for(250ms);
    return sb().path("tools/cc");
  }
  // Runs of the compiler that were probes, not compiles.
  size_t probe_runs() {
    std::string log = sb().read("runs.log").value_or("");
    size_t n = 0;
    for (size_t at = 0; (at = log.find("--version", at)) != std::string::npos; ++at) ++n;
    return n;
  }
};

TEST_P(SavedProbes, ANewDaemonRunsNoProbeOfACompilerItsPredecessorKnew) {
  std::string compiler = logging_compiler("-DV=1");
  sb().write("a.c", "int value(void) { return V; }\n");
  sb().write("b.c", "int other(void) { return V + 1; }\n");
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, compiler);
  ASSERT_EQ(probe_runs(), 1u) << "premise: the first daemon probed the compiler";
  stop_daemon();
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, compiler);
  expect_miss({"-c", "b.c", "-o", "b.o"}, {"b.o"}, {}, compiler);
  EXPECT_EQ(probe_runs(), 1u) << sb().read("runs.log").value_or("");
}

TEST_P(SavedProbes, ACompilerReplacedWhileNoDaemonRanIsProbedAgain) {
  // Same size and mtime: only ctime (and the content) tell the new compiler from the saved one.
  std::string compiler = logging_compiler("-DV=1");
  sb().write("a.c", "int value(void) { return V; }\n");
  CompileResult one = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, compiler);
  struct timespec old_mtime = sb().mtime("tools/cc");
  stop_daemon();
  logging_compiler("-DV=2");
  sb().set_mtime_exact("tools/cc", old_mtime);
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  CompileResult two = expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, compiler);
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
  EXPECT_EQ(probe_runs(), 2u) << sb().read("runs.log").value_or("");
}

ZCCACHE_FOR_EACH_COMPILER(SavedProbes);

TEST_P(Lifecycle, IdleTimeoutStopsTheDaemon) {
  RunOptions opts;
  opts.env["ZCCACHE_IDLE_TIMEOUT"] = "1";
  ASSERT_EQ(sb().zccache({"start"}, opts).exit_code, 0);
  std::vector<pid_t> pids = sb().daemon_pids();
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_TRUE(wait_for_exit(pids[0], 30s)) << "the daemon ignored ZCCACHE_IDLE_TIMEOUT=1";
  // And a compile brings it back.
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

// An idle daemon writes nothing: it used to commit (and fdatasync) its unchanged counters every
// 2 s for as long as it ran.
// Context switches of every thread of `pid` so far: how often it woke up.
uint64_t wakeups(pid_t pid) {
  uint64_t n = 0;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        n += std::stoull(line.substr(line.find(':') + 1));
      }
    }
  }
  return n;
}

TEST_P(Lifecycle, AnIdleDaemonSleepsAndLeavesItsIndexAlone) {
  if (std::string(GetParam().name) != "gcc") GTEST_SKIP() << "the daemon's behaviour does not depend on the compiler";
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_TRUE(pid.has_value());
  const std::string data = index_dir() + "/data.mdb";
  std::this_thread::sleep_for(3s);  // the counters and last-use times of the hit are written by now
  struct stat before {};
  ASSERT_EQ(::stat(data.c_str(), &before), 0) << data;
  const uint64_t woke_before = wakeups(*pid);
  std::this_thread::sleep_for(5s);  // two and a half of the daemon's 2 s persist intervals
  const uint64_t woke = wakeups(*pid) - woke_before;
  struct stat after {};
  ASSERT_EQ(::stat(data.c_str(), &after), 0) << data;
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec) << "the idle daemon wrote to its index";
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec) << "the idle daemon wrote to its index";
  // Its chores: maintenance each second, the main thread each 2 s; about 8 in 5 s. Polling for a
  // stop (acceptors on a 200 ms accept timeout, the main loop every 200 ms, a signal watchdog
  // every 100 ms) made it about 125.
  EXPECT_LT(woke, 30u) << "the idle daemon woke up " << woke << " times in 5 s";
  nlohmann::json j = sb().status_json();
  EXPECT_EQ(j["hits"], 1u) << j.dump();  // and the counters it did not rewrite are still right
}

TEST_P(Lifecycle, CorruptedArtifactIsNeverServed) {
  sb().write("a.c", kHelloC);
  Args args{"-c", "a.c", "-o", "a.o"};
  expect_miss(args, {"a.o"});
  std::vector<std::string> files = artifact_files();
  ASSERT_FALSE(files.empty()) << "test premise: the object is stored under artifacts/";
  for (const auto& f : files) flip_byte(f, fs::file_size(f) / 2);
  Counters before = sb().counters();
  CompileResult b = bare(args, {"a.o"});
  CompileResult c = cached(args, {"a.o"});
  expect_same_compile(b, c, "after corruption");
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, before.hits) << "a corrupted artifact was served; " << after.describe();
}

TEST_P(Lifecycle, CorruptedArtifactIsReplacedByTheNextStore) {
  sb().write("a.c", kHelloC);
  Args args{"-c", "a.c", "-o", "a.o"};
  expect_miss(args, {"a.o"});
  std::vector<std::string> files = artifact_files();
  ASSERT_FALSE(files.empty()) << "test premise: the object is stored under artifacts/";
  for (const auto& f : files) flip_byte(f, fs::file_size(f) - 1);
  Counters before = sb().counters();
  compile_both(args, {"a.o"}, {}, {}, "recompiled");
  ASSERT_TRUE(sb().wait_for_stored(before.stored + 1)) << sb().counters().describe();
  expect_hit(args, {"a.o"});
}

TEST_P(Lifecycle, TruncatedArtifactIsNeverServed) {
  sb().write("a.c", kHelloC);
  Args args{"-c", "a.c", "-o", "a.o"};
  expect_miss(args, {"a.o"});
  std::vector<std::string> files = artifact_files();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) ASSERT_EQ(::truncate(f.c_str(), 3), 0);
  Counters before = sb().counters();
  compile_both(args, {"a.o"});
  EXPECT_EQ(sb().counters().hits, before.hits);
}

TEST_P(Lifecycle, DeletedArtifactsAreAMiss) {
  sb().write("a.c", kHelloC);
  Args args{"-c", "a.c", "-o", "a.o"};
  expect_miss(args, {"a.o"});
  for (const auto& f : artifact_files()) fs::remove(f);
  Counters before = sb().counters();
  compile_both(args, {"a.o"});
  EXPECT_EQ(sb().counters().hits, before.hits);
}

// An index written by a zccache of another format version (here: one from before the stamp, and
// one from a newer zccache) is discarded with its artifacts; compiles stay correct throughout.
TEST_P(Lifecycle, IndexFromBeforeFormatVersionsIsDiscarded) {
  std::string b_artifact = cache_two_objects_and_stop();
  ASSERT_TRUE(testing::set_index_format_for_testing(index_dir(), std::nullopt));
  expect_index_discarded({"-c", "a.c", "-o", "a.o"}, b_artifact);
}

TEST_P(Lifecycle, IndexOfANewerFormatIsDiscarded) {
  std::string b_artifact = cache_two_objects_and_stop();
  ASSERT_TRUE(testing::set_index_format_for_testing(index_dir(), "99"));
  expect_index_discarded({"-c", "a.c", "-o", "a.o"}, b_artifact);
}

// A damaged index (LMDB reads it through a memory map and may fault on a bad page) must not take
// the daemon down: it is read in a child process first, then discarded and rebuilt.
TEST_P(Lifecycle, TruncatedIndexIsDiscardedWithoutACrash) {
  std::string b_artifact = cache_two_objects_and_stop();
  std::string data = index_dir() + "/data.mdb";
  ASSERT_EQ(::truncate(data.c_str(), static_cast<off_t>(fs::file_size(data) / 2)), 0);
  expect_index_discarded({"-c", "a.c", "-o", "a.o"}, b_artifact);
}

TEST_P(Lifecycle, IndexWithGarbageHeaderPagesIsDiscarded) {
  std::string b_artifact = cache_two_objects_and_stop();
  std::fstream io(index_dir() + "/data.mdb", std::ios::in | std::ios::out | std::ios::binary);
  std::string garbage(8192, '\x5a');  // both LMDB meta pages
  io.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(io.good());
  io.close();
  expect_index_discarded({"-c", "a.c", "-o", "a.o"}, b_artifact);
}

// A crash may come from a damaged index page that the start-up checks did not reach: the daemon's
// handler leaves a marker, and the next daemon starts over instead of crashing on it again.
// (SIGABRT, as an LMDB assertion raises: a sanitizer reports SIGSEGV, not this.)
TEST_P(Lifecycle, CrashedDaemonLeavesItsIndexDiscarded) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_TRUE(pid);
  ASSERT_EQ(::kill(*pid, SIGABRT), 0);
  ASSERT_TRUE(wait_for_exit(*pid));
  ASSERT_TRUE(fs::exists(index_dir() + "/crashed")) << "the daemon left no crash marker";
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult c = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_same_compile(b, c, "after the crash");
  nlohmann::json j = sb().status_json();
  EXPECT_EQ(j["index_discarded"], 1u) << j.dump();
  EXPECT_EQ(j["hits"], 0u) << j.dump();
  std::vector<std::string> lines = discard_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("crashed (signal 6"), std::string::npos) << lines[0];
  EXPECT_FALSE(fs::exists(index_dir() + "/crashed"));
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

// kill -9 (the kill stress test does it 100 times) is no crash: the index stays.
TEST_P(Lifecycle, KilledDaemonKeepsItsIndex) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_EQ(sb().kill_daemons(), 1);
  EXPECT_FALSE(fs::exists(index_dir() + "/crashed"));
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_EQ(sb().status_json()["index_discarded"], 0u);
}

ZCCACHE_FOR_EACH_COMPILER(Lifecycle);

}  // namespace
}  // namespace zccache::e2e
