// Management commands of the `zccache` binary (`zccache --version | start | stop | status | clear`).
// An explicit name -> handler table; the wrapper never reaches this code.
#pragma once

#include <string>
#include <vector>

namespace zccache::cli {

// True when `word` (argv[1]) names a management command rather than a compiler.
bool is_command(const std::string& word);
// Runs the command; returns the process exit code.
int run_command(const std::vector<std::string>& args);

}  // namespace zccache::cli
