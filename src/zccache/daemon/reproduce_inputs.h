// The files a wasm-ld link read, from the --reproduce archive the daemon asked it for (see
// tools/link/tar_names.h for why that archive and its layout). Reads only the headers: the data
// (a copy of every input) is skipped.
#pragma once

#include <string>
#include <vector>

#include "zccache/base/result.h"

namespace zccache::daemon {

// Absolute paths, in the order the linker read them. An error when the archive is not one lld
// wrote (no response.txt and version.txt first, a member outside "<stem>/", a damaged header).
Result<std::vector<std::string>> reproduce_inputs(const std::string& tar_path);

}  // namespace zccache::daemon
