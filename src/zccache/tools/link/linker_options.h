// Linker options (GNU ld, gold and lld syntax) that a cached link may carry: the allow lists, and
// the -Map side output. Used for a driver's -Wl,/-Xlinker options and for ld.lld or wasm-ld called
// directly (direct.h).
//
// An option is allowed when it changes nothing the daemon does not see: it reads no file that the
// linker's dependency list leaves out, writes nothing besides -o and the map, adds no search path,
// and gives the same bytes on every run. Anything else (-T, --version-script, -L inside -Wl,
// -plugin, --reproduce, --dependency-file, --build-id=uuid, abbreviations, ...) is not modelled.
// Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/link/link_plan.h"

namespace zccache::tools::link {

// One linker argument and where it sits in the command line (for the map file's slot).
struct LinkerToken {
  std::string text;
  ArgSlot slot;  // args[slot.arg].substr(slot.offset, slot.length) == text
};

// Appends the comma-separated pieces of `-Wl,a,b` (args[index]) to `out`.
void split_wl(const std::string& arg, size_t index, std::vector<LinkerToken>& out);

enum class LinkerSyntax {
  kGnu,   // GNU ld / gold / ELF lld: what a driver passes on, and ld.lld called directly
  kWasm,  // wasm-ld
};

// Checks `tokens` against the allow list of `syntax`; the map file (-Map=F, -Map F, --Map=F,
// --Map F) goes to plan.map_file and plan.map_slot. False: not modelled (or a map name the
// linker would rewrite: "-", or one with GNU ld's '%' for the output name).
// Long options match with one or two dashes, as the linkers accept them; one-letter options
// only with one dash, their value joined (-zrelro) or in the next token.
bool accept_linker_tokens(const std::vector<LinkerToken>& tokens, LinkerSyntax syntax, LinkPlan& plan);
// The same for the one option at tokens[i]: how many tokens it takes (1, or 2 with a separate
// value), 0 when it is not allowed.
size_t accept_linker_option(const std::vector<LinkerToken>& tokens, size_t i, LinkerSyntax syntax, LinkPlan& plan);

}  // namespace zccache::tools::link
