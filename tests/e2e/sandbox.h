// Sandbox: one end-to-end test's private world. A temporary directory under /tmp holding a work
// tree (sources, objects) and its own ZCCACHE_DIR, helpers to write and read files there, and a
// process runner that captures stdout, stderr and the exit code of the real `zccache` binary and of
// the bare compilers. The destructor stops the sandbox's daemon (`zccache stop`, then SIGKILL by pid
// for one that would not go) and removes the directory.
//
// Thread-safety: run() and the read-only helpers may be called from several threads at once (the
// parallel tests do); write()/remove() are for the test's main thread.
//
// Timestamps: the daemon does not store the result of a compile whose inputs changed less than
// ~20 ms before the compile started (max(mtime, ctime) against the start time; ctime cannot be
// backdated). write() backdates mtime by 10 s and every run() first waits until 60 ms have passed
// since the last write(), so a test can write files and compile at once without tripping that rule.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace zccache::e2e {

// A file's bytes, or nullopt when it does not exist.
using FileBytes = std::optional<std::string>;

// One compile's observable results: the process result, and for each output path asked for, its
// bytes and permission bits (absent files have no mode).
struct CompileResult {
  RunResult run;
  std::map<std::string, FileBytes> files;
  std::map<std::string, mode_t> modes;
};

// The counters of `zccache status --json`.
struct Counters {
  bool daemon_running = false;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t errors = 0;
  uint64_t stored = 0;
  uint64_t compile_failed = 0;
  uint64_t entries = 0;
  uint64_t size_bytes = 0;
  std::map<std::string, uint64_t> passthrough;

  uint64_t pass(const std::string& reason) const {
    auto it = passthrough.find(reason);
    return it == passthrough.end() ? 0 : it->second;
  }
  std::string describe() const;
};

// Directory of the zccache binaries (ZCCACHE_BIN_DIR).
std::string bin_dir();

class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& root() const { return root_; }            // /tmp/zccache-e2e-XXXXXX
  const std::string& cache_dir() const { return cache_dir_; }  // root/cache (ZCCACHE_DIR)
  const std::string& work() const { return work_; }            // root/work (default cwd)
  std::string zccache_bin() const;
  std::string daemon_bin() const;

  // `rel` resolved against the work dir (absolute paths are kept).
  std::string path(const std::string& rel) const;

  // Writes a file (creating parent directories), then sets its mtime 10 s into the past.
  void write(const std::string& rel, const std::string& content);
  // Sets a file's mtime (and atime) to now + offset.
  void set_mtime(const std::string& rel, std::chrono::seconds offset_from_now);
  // The file's exact mtime, and setting it back to such a value (to fake an edit that keeps size
  // and mtime, which only ctime reveals).
  struct timespec mtime(const std::string& rel) const;
  void set_mtime_exact(const std::string& rel, const struct timespec& mtime);
  FileBytes read(const std::string& rel) const;
  bool exists(const std::string& rel) const;
  void remove(const std::string& rel);
  void make_dir(const std::string& rel);
  // Copies a directory tree below the work dir (sources of a second build directory).
  void copy_tree(const std::string& from_rel, const std::string& to_rel);
  // Waits until 60 ms have passed since the last write() (see the file comment). run() calls it.
  void settle();

  // The environment every command gets: the test's, minus ZCCACHE_* and the variables that change
  // what a compiler does, plus ZCCACHE_DIR and a generous ZCCACHE_IDLE_TIMEOUT.
  std::map<std::string, std::string> base_env() const { return base_env_; }

  // Runs argv (argv[0] searched in the PATH the child will get, unless it contains a '/').
  RunResult run(const std::vector<std::string>& argv, const RunOptions& opts = {});
  // Runs the zccache client with `args`.
  RunResult zccache(const std::vector<std::string>& args, const RunOptions& opts = {});

  // Deletes `outputs`, runs argv, then collects the outputs' bytes and modes.
  CompileResult compile(const std::vector<std::string>& argv, const std::vector<std::string>& outputs,
                        const RunOptions& opts = {});

  // `zccache status --json`, parsed; a null json when it could not be run or parsed.
  nlohmann::json status_json();
  Counters counters();
  // Polls status until pred holds, for up to `timeout`. Returns whether it held.
  bool wait_until(const std::function<bool(const Counters&)>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The daemon records a miss after replying to the client: wait until "stored" reaches n.
  bool wait_for_stored(uint64_t n) {
    return wait_until([n](const Counters& c) { return c.stored >= n; });
  }

  // Live zccache-daemon processes serving this sandbox's cache dir (found through /proc).
  std::vector<pid_t> daemon_pids() const;
  // The "pid" field of status --json, when the daemon runs.
  std::optional<pid_t> status_pid();
  // SIGKILLs the daemons of this sandbox and waits until they are gone; returns how many it killed.
  int kill_daemons();
  // SIGSTOPs the daemon (alive, socket open, never replies); its pid, for SIGCONT, or nullopt when
  // none runs or it could not be stopped.
  std::optional<pid_t> freeze_daemon();

 private:
  std::vector<std::string> env_for(const RunOptions& opts) const;
  // Processes whose command line is `zccache-daemon ... --cache-dir <ours>`, children included.
  std::vector<pid_t> daemon_like_pids() const;
  bool runs_our_daemon(pid_t pid) const;

  std::string root_;
  std::string cache_dir_;
  std::string work_;
  std::map<std::string, std::string> base_env_;
  std::mutex write_mutex_;
  std::chrono::steady_clock::time_point last_write_{};
};

// Options for a run against a frozen daemon: the client gives up after ZCCACHE_TIMEOUT=1 s, far
// below the run's own timeout, so a hang shows as a timeout.
RunOptions impatient_options();

// True when pid names a live process that is not a zombie.
bool process_alive(pid_t pid);
// "pid 123 (ppid 1, state S): zccache-daemon --cache-dir ..." for failure messages.
std::string process_info(pid_t pid);
// Polls until pid is gone, up to `timeout`.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Byte comparison with a readable failure: sizes, first differing offset, an excerpt.
::testing::AssertionResult same_bytes(const std::string& what, const FileBytes& expected, const FileBytes& actual);
::testing::AssertionResult same_text(const std::string& what, const std::string& expected, const std::string& actual);

// The "outcome" of each line of the sandbox's global journal, once it has `n` lines (written off
// the request path: polled for a few seconds).
std::vector<std::string> journal_outcomes(const Sandbox& sb, size_t n);

// Expects the two compiles to be indistinguishable: exit code, stdout, stderr, and every output
// file's bytes and mode.
void expect_same_compile(const CompileResult& bare, const CompileResult& cached, const std::string& label = {});

// Every regular file below `dir` whose name ends with one of `suffixes` (all files when empty):
// relative name -> bytes. Empty when `dir` does not exist.
std::map<std::string, std::string> tree(const std::string& dir, const std::vector<std::string>& suffixes = {});
// The same names with the same bytes.
void expect_same_tree(const std::map<std::string, std::string>& bare, const std::map<std::string, std::string>& cached);

}  // namespace zccache::e2e
