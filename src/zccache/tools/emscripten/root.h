// Where an emcc installation keeps its Python sources: the directory of emcc.py. emsdk and git
// checkouts run `<root>/emcc`, a shell script beside emcc.py; Debian installs /usr/bin/emcc, a
// script that execs "/usr/share/emscripten/$BASENAME.py". Pure.
#pragma once

#include <string>
#include <string_view>

namespace zccache::tools::emscripten {

// launcher: the text of the file the build runs (when it is a script); emcc_py_beside: whether
// emcc.py exists beside it (then that directory is the root). "" when neither tells.
std::string emscripten_root(std::string_view launcher_dir, std::string_view launcher, bool emcc_py_beside);

}  // namespace zccache::tools::emscripten
