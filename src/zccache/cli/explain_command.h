// `zccache explain [--json] [--] <compiler> [args...]`: asks the daemon whether that compile,
// run in this directory with this environment, would hit, and if not, why.
#pragma once

#include <string>
#include <vector>

namespace zccache::cli {

// Exit status: 0 would hit, 1 would miss or run uncached, 2 bad usage or no answer.
int explain_command(const std::vector<std::string>& args);

}  // namespace zccache::cli
