// A broken cache never breaks a build: a daemon killed between or during compiles, a daemon that
// answers garbage or hangs up, a cache directory that cannot be created. And two clients racing to
// start the daemon start one.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <map>
#include <thread>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

using namespace std::chrono_literals;

// Watches /proc from a thread and remembers every daemon process of the sandbox it sees.
class DaemonMonitor {
 public:
  explicit DaemonMonitor(Sandbox& sb) : sb_(sb), thread_([this] { loop(); }) {}
  ~DaemonMonitor() { finish(); }
  // Stops watching (after one last look) and returns what was seen.
  std::map<pid_t, std::string> finish() {
    if (thread_.joinable()) {
      done_ = true;
      thread_.join();
      look();
    }
    return seen_;
  }

 private:
  void loop() {
    while (!done_) {
      look();
      std::this_thread::sleep_for(1ms);
    }
  }
  void look() {
    for (pid_t p : sb_.daemon_pids())
      if (!seen_.count(p)) seen_[p] = process_info(p);
  }
  Sandbox& sb_;
  std::atomic<bool> done_{false};
  std::map<pid_t, std::string> seen_;
  std::thread thread_;
};

std::string describe(const std::map<pid_t, std::string>& seen) {
  std::string out;
  for (const auto& [pid, info] : seen) out += "\n  " + info + (process_alive(pid) ? " [alive]" : " [gone]");
  return out;
}

class Fallback : public CompilerTest {
 protected:
  // n distinct sources s<i>.c; returns the bare objects.
  std::vector<CompileResult> write_batch(int n) {
    std::vector<CompileResult> bares;
    for (int i = 0; i < n; ++i) {
      std::string name = "s" + std::to_string(i);
      sb().write(name + ".c", "int f" + std::to_string(i) + "(int x) { return x * " + std::to_string(i + 3) + "; }\n");
      bares.push_back(bare({"-c", name + ".c", "-o", name + ".o"}, {name + ".o"}));
      EXPECT_EQ(bares.back().run.exit_code, 0);
    }
    return bares;
  }

  // Compiles every source of the batch through zccache, one thread each, all released at once.
  std::vector<CompileResult> compile_batch_in_parallel(int n) {
    std::vector<CompileResult> results(n);
    std::vector<std::thread> threads;
    std::latch go(n);
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        std::string name = "s" + std::to_string(i);
        go.arrive_and_wait();
        results[i] = cached({"-c", name + ".c", "-o", name + ".o"}, {name + ".o"});
      });
    }
    for (auto& t : threads) t.join();
    return results;
  }
};

TEST_P(Fallback, DaemonKilledBetweenCompiles) {
  sb().write("a.c", kHelloC);
  sb().write("b.c", "int b(void) { return 2; }\n");
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_TRUE(pid);
  ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  ASSERT_TRUE(wait_for_exit(*pid));
  // The socket file of the dead daemon is still there; the next compiles must not care.
  compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, {}, "after kill, cached source");
  compile_both({"-c", "b.c", "-o", "b.o"}, {"b.o"}, {}, {}, "after kill, new source");
  // A daemon serves again, and the entry stored before the kill is still good.
  std::optional<pid_t> again = sb().status_pid();
  ASSERT_TRUE(again) << "no daemon after the kill";
  EXPECT_NE(*again, *pid);
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

// A daemon that stops answering (SIGSTOP: alive, socket open, never replies) costs each compile
// at most ZCCACHE_TIMEOUT before the client compiles on its own; single and multi-source alike.
TEST_P(Fallback, StoppedDaemonTimesOutAndTheCompilerRunsAlone) {
  sb().write("a.c", kHelloC);
  sb().write("b.c", "int b(void) { return 2; }\n");
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> pid = sb().freeze_daemon();
  ASSERT_TRUE(pid);
  RunOptions quick = impatient_options();
  CompileResult single = compile_both({"-c", "b.c", "-o", "b.o"}, {"b.o"}, quick, {}, "stopped daemon");
  EXPECT_EQ(single.run.exit_code, 0);
  compile_both({"-c", "a.c", "b.c"}, {"a.o", "b.o"}, quick, {}, "stopped daemon, two sources");
  ASSERT_EQ(::kill(*pid, SIGCONT), 0);
  // Resumed, it serves again.
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Fallback, DaemonKilledRightAfterAMiss) {
  // A kill while the daemon records the include set must leave nothing half-written.
  sb().write("a.c", kHelloC);
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  CompileResult c = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  expect_same_compile(b, c);
  sb().kill_daemons();
  for (int i = 0; i < 3; ++i) compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, {}, "round " + std::to_string(i));
}

TEST_P(Fallback, DaemonKilledDuringAParallelBatch) {
  constexpr int kSources = 8;
  std::vector<CompileResult> bares = write_batch(kSources);
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  std::atomic<int> kills{0};
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> done{false};
    std::thread killer([&] {
      // Kill whatever daemon serves this sandbox a few times while the batch runs. (Each kill can
      // cost a client its start-up wait, so not too often.)
      for (int k = 0; k < 3 && !done; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10 + 30 * k));
        kills += sb().kill_daemons();
      }
    });
    std::vector<CompileResult> results = compile_batch_in_parallel(kSources);
    done = true;
    killer.join();
    for (int i = 0; i < kSources; ++i)
      expect_same_compile(bares[i], results[i], "round " + std::to_string(round) + " source " + std::to_string(i));
  }
  EXPECT_GT(kills.load(), 0) << "test premise: a daemon was killed while compiles ran";
  // Afterwards the cache works normally.
  sb().write("after.c", kHelloC);
  miss_then_hit({"-c", "after.c", "-o", "after.o"}, {"after.o"});
}

TEST_P(Fallback, DaemonKilledOnceMidBatch) {
  constexpr int kSources = 8;
  std::vector<CompileResult> bares = write_batch(kSources);
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  std::atomic<bool> done{false};
  std::thread killer([&] {
    // Wait until the daemon has counted a miss, then kill it once: other compiles are in flight.
    while (!done && sb().counters().misses == 0) std::this_thread::sleep_for(2ms);
    sb().kill_daemons();
  });
  std::vector<CompileResult> results = compile_batch_in_parallel(kSources);
  done = true;
  killer.join();
  for (int i = 0; i < kSources; ++i) expect_same_compile(bares[i], results[i], "source " + std::to_string(i));
  // And the second batch still gives the right bytes, from the cache or not.
  results = compile_batch_in_parallel(kSources);
  for (int i = 0; i < kSources; ++i) expect_same_compile(bares[i], results[i], "again, source " + std::to_string(i));
}

TEST_P(Fallback, RacingClientsStartOneDaemon) {
  constexpr int kSources = 8;
  std::vector<CompileResult> bares = write_batch(kSources);
  ASSERT_TRUE(sb().daemon_pids().empty());
  DaemonMonitor monitor(sb());
  std::vector<CompileResult> results = compile_batch_in_parallel(kSources);
  std::map<pid_t, std::string> seen = monitor.finish();
  for (int i = 0; i < kSources; ++i) expect_same_compile(bares[i], results[i], "source " + std::to_string(i));
  EXPECT_EQ(seen.size(), 1u) << "daemon processes seen for this cache dir during the race:" << describe(seen);
  std::vector<pid_t> live = sb().daemon_pids();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(sb().status_pid(), std::optional<pid_t>(live[0]));
  // Every client reached that daemon: none fell back to an uncached compile.
  Counters c = sb().counters();
  EXPECT_EQ(c.misses, static_cast<uint64_t>(kSources)) << c.describe();
}

TEST_P(Fallback, RacingManagementCommandsStartOneDaemon) {
  DaemonMonitor monitor(sb());
  std::vector<std::thread> threads;
  std::vector<int> codes(6, -1);
  std::latch go(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      codes[i] = sb().zccache({"start"}).exit_code;
    });
  }
  for (auto& t : threads) t.join();
  std::map<pid_t, std::string> seen = monitor.finish();
  for (int code : codes) EXPECT_EQ(code, 0);
  EXPECT_EQ(seen.size(), 1u) << "daemon processes seen for this cache dir during the race:" << describe(seen);
  EXPECT_EQ(sb().daemon_pids().size(), 1u);
}

TEST_P(Fallback, ConcurrentMissesOfTheSameKey) {
  // Four compiles of one source to four object names at once: one key, four misses racing to store.
  sb().write("a.c", kHelloC);
  CompileResult b = bare({"-c", "a.c", "-o", "bare.o"}, {"bare.o"});
  ASSERT_EQ(b.run.exit_code, 0);
  constexpr int kClients = 4;
  std::vector<CompileResult> results(kClients);
  std::vector<std::thread> threads;
  std::latch go(kClients);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      std::string obj = "a" + std::to_string(i) + ".o";
      go.arrive_and_wait();
      results[i] = cached({"-c", "a.c", "-o", obj}, {obj});
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    std::string obj = "a" + std::to_string(i) + ".o";
    EXPECT_EQ(results[i].run.exit_code, 0) << results[i].run.describe();
    EXPECT_TRUE(same_bytes(obj, b.files["bare.o"], results[i].files[obj]));
  }
  ASSERT_TRUE(sb().wait_until([](const Counters& c) { return c.stored >= 1; }));
  std::this_thread::sleep_for(200ms);  // let the other stores land too
  CompileResult c = cached({"-c", "a.c", "-o", "last.o"}, {"last.o"});
  EXPECT_TRUE(same_bytes("last.o", b.files["bare.o"], c.files["last.o"]));
  Counters n = sb().counters();
  EXPECT_GE(n.hits, 1u) << n.describe();
  EXPECT_EQ(n.entries, 1u) << n.describe();
}

TEST_P(Fallback, UnusableCacheDirStillBuilds) {
  sb().write("a.c", kHelloC);
  sb().write("not_a_dir", "a regular file where the cache directory's parent should be");
  RunOptions opts;
  opts.env["ZCCACHE_DIR"] = sb().path("not_a_dir/cache");
  for (int i = 0; i < 2; ++i) {
    CompileResult b = compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
    EXPECT_EQ(b.run.exit_code, 0);
  }
  // A failing compile still reports the compiler's own error.
  sb().write("bad.c", "int broken(void) { return nope; }\n");
  compile_both({"-c", "bad.c", "-o", "bad.o"}, {"bad.o"}, opts);
}

// A server on the daemon's socket that is not a zccache daemon.
class FakeDaemon {
 public:
  enum class Mode { kGarbage, kHangUp, kHugeFrame };

  FakeDaemon(const std::string& cache_dir, Mode mode) : mode_(mode) {
    std::string run_dir = cache_dir + "/run";
    ::mkdir(cache_dir.c_str(), 0700);
    ::mkdir(run_dir.c_str(), 0700);
    path_ = run_dir + "/daemon.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
    ::unlink(path_.c_str());
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && ::listen(fd_, 16) == 0;
    if (ok_) thread_ = std::thread([this] { serve(); });
  }
  ~FakeDaemon() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stop_) {
      struct pollfd p = {fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      ++connections_;
      // Read what the client sent (briefly), then misbehave.
      char buf[65536];
      struct pollfd c = {conn, POLLIN, 0};
      if (::poll(&c, 1, 200) > 0) (void)::read(conn, buf, sizeof(buf));
      if (mode_ == Mode::kGarbage) {
        std::string junk = "HTTP/1.1 500 Not a zccache daemon\r\n\r\n";
        for (int i = 0; i < 512; ++i) junk.push_back(static_cast<char>(i * 37 + 11));
        (void)::send(conn, junk.data(), junk.size(), MSG_NOSIGNAL);
      } else if (mode_ == Mode::kHugeFrame) {
        std::string frame(64, '\xff');  // every length field as large as it gets
        (void)::send(conn, frame.data(), frame.size(), MSG_NOSIGNAL);
      }
      ::close(conn);
    }
  }

  Mode mode_;
  std::string path_;
  int fd_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST_P(Fallback, DaemonAnsweringGarbageStillBuilds) {
  sb().write("a.c", kHelloC);
  sb().write("w.c", "int f(int x) { int unused = x; return x; }\n");
  FakeDaemon fake(sb().cache_dir(), FakeDaemon::Mode::kGarbage);
  ASSERT_TRUE(fake.ok());
  compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  compile_both({"-Wall", "-c", "w.c", "-o", "w.o"}, {"w.o"});
  EXPECT_GT(fake.connections(), 0) << "test premise: the client talked to the fake daemon";
}

TEST_P(Fallback, DaemonHangingUpStillBuilds) {
  sb().write("a.c", kHelloC);
  FakeDaemon fake(sb().cache_dir(), FakeDaemon::Mode::kHangUp);
  ASSERT_TRUE(fake.ok());
  compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_GT(fake.connections(), 0);
}

TEST_P(Fallback, DaemonSendingAHugeFrameStillBuilds) {
  sb().write("a.c", kHelloC);
  FakeDaemon fake(sb().cache_dir(), FakeDaemon::Mode::kHugeFrame);
  ASSERT_TRUE(fake.ok());
  compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_GT(fake.connections(), 0);
}

TEST_P(Fallback, StaleSocketFileIsReplaced) {
  // A socket file nobody listens on (a daemon killed long ago, after a reboot of /tmp or not).
  sb().write("a.c", kHelloC);
  { FakeDaemon fake(sb().cache_dir(), FakeDaemon::Mode::kHangUp); }
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::string sock = sb().cache_dir() + "/run/daemon.sock";
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);  // the file stays, with no listener
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

ZCCACHE_FOR_EACH_COMPILER(Fallback);

}  // namespace
}  // namespace zccache::e2e
