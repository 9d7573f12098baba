// Python's shlex.split (posix mode, no comments): how emcc splits EMCC_CFLAGS and the content of
// its @response files (tools/response_file.py). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools::emscripten {

// nullopt where Python raises ValueError (an unclosed quote, a trailing backslash): emcc then
// fails, and we do not plan what it would do.
std::optional<std::vector<std::string>> shlex_split(std::string_view text);

}  // namespace zccache::tools::emscripten
