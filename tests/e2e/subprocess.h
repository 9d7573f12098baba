// Running one child process for the end-to-end tests: argv, environment, working directory,
// optional stdin bytes, umask and a pseudo-terminal for stderr; stdout and stderr captured
// separately, with a timeout after which the child is killed. Safe to call from several threads
// (every descriptor is close-on-exec, and the child only makes async-signal-safe calls).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zccache::e2e {

// Environment changes for one command: a value sets the variable, nullopt removes it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct RunOptions {
  std::string cwd{};                      // relative to the work dir, or absolute; empty: the work dir
  EnvChanges env{};                       // applied over the sandbox's base environment
  std::optional<std::string> stdin_data{};  // nullopt: stdin is /dev/null
  std::optional<mode_t> umask{};          // nullopt: inherited
  bool stderr_tty = false;                // stderr is a pseudo-terminal (read back as RunResult::err)
  std::chrono::seconds timeout{120};      // the child is killed (and the result says so) after this
};

struct RunResult {
  int exit_code = -1;   // the exit status, or 128 + signal when a signal killed the child
  int term_signal = 0;  // the signal that killed it, 0 when it exited
  bool timed_out = false;
  std::string out;
  std::string err;

  // "exit 1, stderr: ..." for failure messages.
  std::string describe() const;
};

// The absolute path of `name` found in PATH (or the given PATH), or empty. A name with a '/' is
// returned as it is.
std::string find_in_path(const std::string& name, const std::string& path_env = {});

// Runs `program` (a path) with `argv` (argv[0] as the child sees it) and `env` ("NAME=VALUE") in
// `cwd`. opts.cwd and opts.env are not looked at: the caller has resolved them.
RunResult run_process(const std::string& program, const std::vector<std::string>& argv,
                      const std::vector<std::string>& env, const std::string& cwd, const RunOptions& opts);

// `len` bytes of `s` from `from`, with control and non-ASCII bytes escaped, for messages.
std::string printable(const std::string& s, size_t from, size_t len);

}  // namespace zccache::e2e
