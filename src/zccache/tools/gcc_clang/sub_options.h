// Decoding of the gcc/clang options whose meaning lies in their text rather than in the option
// table: the -g family, and the arguments forwarded to other tools (-Wp,/-Xpreprocessor,
// -Wa,/-Xassembler, -Xclang). Pure functions; used by parse.cc.
#pragma once

#include <string_view>

#include "zccache/tools/plan.h"

namespace zccache::tools::gcc_clang {

// What the -g options seen so far say. Later options override earlier ones, as in both drivers.
struct DebugState {
  bool level_on = false;             // debug info requested (-g, -g1..3, -ggdb, -gdwarf-N, ...)
  bool split_dwarf = false;          // -gsplit-dwarf (clang also -gsplit-dwarf=split)
  bool record_command_line = false;  // clang -grecord-command-line / -grecord-gcc-switches
  bool unknown_option = false;       // a -g option we do not know: assume it turns debug info on
};

// Applies `-g<suffix>`. Returns false for options that we cannot model (-gmodules, -gtoggle, or a
// split-DWARF mode gcc does not have).
bool apply_debug_option(Family family, std::string_view suffix, DebugState& state);

// The items of -Wp,<items> (separator ',') or one -Xpreprocessor argument (separator '\0'):
// true when each only defines, undefines, adds include paths or sets warnings. -Wp,-MD,<file>
// (the Linux kernel's way to ask for a depfile) is refused: the rules for its name and target
// differ between gcc and clang.
bool preprocessor_args_ok(std::string_view items, char separator);

// The items of -Wa,<items> or one -Xassembler argument: true for a known list of assembler flags
// that write nothing else and embed no path (not -g, --gdwarf, -a listings, --MD).
bool assembler_args_ok(std::string_view items, char separator);

// One -Xclang argument: false for cc1 options that write or read files we do not model (plugins,
// PCH/PTH, modules, dumps, extra outputs) or that set the output or debug directories.
bool clang_cc1_arg_ok(std::string_view arg);

// -fdiagnostics-color[=...], -fno-diagnostics-color, -fcolor-diagnostics, -fno-color-diagnostics.
bool is_color_option(std::string_view arg);

}  // namespace zccache::tools::gcc_clang
