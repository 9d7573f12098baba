// Running other programs: the real compiler (client, on a miss or passthrough) and probes
// (daemon: `--version`, the include-path probe). posix_spawn keeps it cheap for a large parent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "zccache/base/result.h"

namespace zccache::os {

struct ProcessOutput {
  int exit_code = 0;     // exit status, or 128 + signal when killed
  int term_signal = 0;   // the signal that killed it, 0 when it exited
  std::string stdout_data;
  std::string stderr_data;
};

// Where captured output is also written as it arrives, or -1 for nowhere. A build tool may act
// on a line before the compiler exits: cargo starts the crates that depend on this one when rustc
// prints its metadata artifact notice, long before codegen ends.
struct Echo {
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Runs argv[0] (an absolute path) with argv, capturing stdout and stderr (and echoing them to
// `echo`'s descriptors). env: "NAME=VALUE" strings, or nullptr to inherit. stdin is inherited
// (compilers may read it only for "-", which is never cached). An echo descriptor that fails
// (a closed pipe) is dropped; the capture goes on.
Result<ProcessOutput> run_capture(const std::vector<std::string>& argv,
                                  const std::vector<std::string>* env = nullptr,
                                  const std::string& cwd = {}, Echo echo = {});

// Replaces the current process with argv (execv). Returns only on failure.
Error exec_replace(const std::vector<std::string>& argv);

// Runs fn in a forked child and returns its exit status, or 128 + signal when a signal killed
// it: for a check that may crash on damaged input (LMDB reads a corrupted file through its map
// and can fault), so that the caller survives and learns that it would have crashed.
// REQUIRES: no other thread runs (the child has only the calling thread; a lock another thread
// held at the fork stays held there). fn's status is its return value; the child never returns.
Result<int> run_in_child(const std::function<int()>& fn);

}  // namespace zccache::os
