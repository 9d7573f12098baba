// `zccache config [KEY [VALUE]]`: prints or edits <cache dir>/config without a daemon. A running
// daemon notices the edited file within about a second (it re-reads the file when it changes).
#pragma once

#include <string>
#include <vector>

namespace zccache::cli {

int run_config(const std::vector<std::string>& args);

}  // namespace zccache::cli
