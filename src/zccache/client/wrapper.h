// The wrapper: one cached compile from the client's side (DESIGN.md §1). Single-threaded; on any
// failure to reach or understand the daemon it runs the compiler itself, so the cache never
// breaks a build.
#pragma once

#include <string>
#include <vector>

namespace zccache::client {

// compiler: absolute path; args: argv after the compiler. Returns the exit code (or does not
// return: passthrough execs the compiler).
int run_wrapped_compile(const std::string& compiler, const std::vector<std::string>& args);

}  // namespace zccache::client
