// The wrapper: one cached compile from the client's side (DESIGN.md §1). Single-threaded; on any
// failure to reach or understand the daemon it runs the compiler itself, so the cache never
// breaks a build.
#pragma once

#include <string>
#include <vector>

namespace zccache::client {

// compiler: as the build gave it (a path, or a name the daemon searches in PATH); args: argv after
// the compiler; cwd: the working directory ("" when it was removed). Returns the exit code (or
// does not return: passthrough execs the compiler).
int run_wrapped_compile(const std::string& compiler, const std::vector<std::string>& args, const std::string& cwd);

// `zccache --zccache-unit-marker PROGRAM ARGS...`, as gcc's -wrapper runs it for each subprocess
// of a multi-source miss: writes protocol::kUnitMarker to stderr when PROGRAM is a compiler
// proper (cc1*), then execs PROGRAM (searched in PATH, as gcc passes "as" by name).
int run_unit_marker(int argc, char** argv);

}  // namespace zccache::client
