// What an lld link read, from the --reproduce archive the daemon asked it for: the file-backed
// TarSource of tools/link/reproduce_tar.h (which explains why that archive, and its layout).
// Reads only the headers and response.txt with pread: the data (a copy of every input) is
// skipped. Used by wasm-ld links called directly (link_compile.cc) and under emcc (emcc_link.cc).
#pragma once

#include <string>

#include "zccache/base/result.h"
#include "zccache/tools/link/reproduce_tar.h"

namespace zccache::daemon {

// An error when the archive cannot be opened (kIo) or is not one lld wrote (kCorrupt: see
// read_reproduce_tar), the message naming the archive. lld names the archive's root directory
// after its file name without the extension.
Result<tools::link::ReproduceInputs> reproduce_inputs(const std::string& tar_path);

}  // namespace zccache::daemon
