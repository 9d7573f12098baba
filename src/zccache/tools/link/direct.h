// Front end for lld called directly: `ld.lld -o prog crt1.o a.o -L dir -lfoo` and
// `wasm-ld --no-entry -o out.wasm a.o -L dir -lfoo`. argv -> LinkPlan; pure.
//
// As for driver links (parse.h), what the link reads comes from the linker on the miss (ld.lld:
// --dependency-file; wasm-ld 14 has none, so its --reproduce archive, see reproduce_tar.h); the parser
// only decides whether every option is one we model (linker_options.h), every input is an object,
// archive or shared library named on the command line, and the outputs are -o and a map file.
// Neither linker has built-in search directories: -L is the whole search path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/link/link_plan.h"

namespace zccache::tools::link {

enum class LldFlavor { kElf, kWasm };

// The flavour lld picks from the name it is run as (argv[0]'s file name), for the two names we
// model: "ld.lld" and "wasm-ld", each optionally with a version suffix ("wasm-ld-14"). Other names
// lld also answers to (ld, lld, ld64.lld, lld-link, -flavor) give nullopt.
std::optional<LldFlavor> lld_flavor(std::string_view program_name);

// args: after the program, response files expanded.
LinkPlan make_direct_link_plan(LldFlavor flavor, const std::vector<std::string>& args);

}  // namespace zccache::tools::link
