#include "zccache/tools/emscripten/root.h"

namespace zccache::tools::emscripten {

std::string emscripten_root(std::string_view launcher_dir, std::string_view launcher, bool emcc_py_beside) {
  if (emcc_py_beside) return std::string(launcher_dir);
  if (launcher.substr(0, 2) != "#!") return {};
  // An absolute path ending in /$BASENAME.py or /emcc.py (Debian's wrapper).
  for (std::string_view tail : {"/$BASENAME.py", "/${BASENAME}.py", "/emcc.py"}) {
    size_t at = launcher.find(tail);
    if (at == std::string_view::npos) continue;
    size_t begin = launcher.find_last_of(" \t\n\"'=", at);
    begin = begin == std::string_view::npos ? 0 : begin + 1;
    std::string_view dir = launcher.substr(begin, at - begin);
    if (!dir.empty() && dir[0] == '/' && dir.find('$') == std::string_view::npos) return std::string(dir);
  }
  return {};
}

}  // namespace zccache::tools::emscripten
