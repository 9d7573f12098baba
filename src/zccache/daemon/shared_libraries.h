// The shared libraries a program loads, from `ldd`: part of a linker's identity. ld.bfd does its
// work in libbfd and libctf, lld in libLLVM; a library upgrade under an unchanged binary changes
// what the linker writes, so the key covers their content too (re-checked through the metadata
// cache on every use). A static binary or a script has none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zccache::daemon {

// The resolved paths in ldd's output ("name => /path (0x...)", "/path (0x...)"), in its order;
// the vDSO (no file) is left out. `complete` is false when a library is "not found".
std::vector<std::string> parse_ldd(std::string_view text, bool* complete);

// Runs ldd on `binary` (with a fixed environment: no LD_LIBRARY_PATH of the daemon's first
// client). Empty for a binary that is not dynamic; `complete` false when ldd failed otherwise or a
// library is missing.
std::vector<std::string> shared_libraries(const std::string& binary, bool* complete);

}  // namespace zccache::daemon
