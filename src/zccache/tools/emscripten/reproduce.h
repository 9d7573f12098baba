// What wasm-ld read, from the archive it writes for --reproduce. lld 14's wasm-ld has no
// --dependency-file (and ignores LLD_REPRODUCE); its reproduce tar is the linker's own list: every file its driver opened (objects, archives, libraries found through -l, symbol
// files) is copied in under <root>/<absolute path without the leading '/'>, beside
// <root>/response.txt (the command line, with the -L directories as given) and
// <root>/version.txt. Format: ustar headers, with a PAX 'x' header carrying "path=" when a name
// does not fit (lld's TarWriter). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools::emscripten {

struct ReproduceInputs {
  // Absolute paths, lexically normal (lld removes "." and ".." before it names a member).
  std::vector<std::string> files;
  // The -L directories of response.txt, in order, as given (relative ones from the link's cwd).
  std::vector<std::string> search_dirs;
};

// nullopt when the archive is not one lld writes (truncated, a bad header, no response.txt).
std::optional<ReproduceInputs> parse_reproduce_tar(std::string_view tar);

}  // namespace zccache::tools::emscripten
