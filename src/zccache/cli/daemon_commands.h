// Commands that talk to the daemon: start, stop, status, clear, stats.
#pragma once

#include <string>
#include <vector>

namespace zccache::cli {

int start_daemon(const std::vector<std::string>& args);
int stop_daemon(const std::vector<std::string>& args);
int show_status(const std::vector<std::string>& args);
int clear_cache(const std::vector<std::string>& args);
// `stats --zero` resets the statistics; `stats [--json]` is `status [--json]`.
int stats_command(const std::vector<std::string>& args);

}  // namespace zccache::cli
