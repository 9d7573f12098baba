// Link and archive front ends: argv -> LinkPlan for a gcc/clang driver that links
// (`gcc -o prog a.o b.o -L dir -lfoo`), argv -> ArPlan for `ar rcs lib.a a.o b.o`.
//
// What a link reads is not decided here: the daemon asks the linker for it on the miss
// (-Wl,--dependency-file, GNU ld >= 2.35 and lld). The parser only decides whether an invocation is
// one we model completely: every option is known, every input is an object, archive or shared
// library (a source file would be compiled inside the link, through temporary files), the outputs
// are -o and a -Map file, and nothing loads code or files the dependency file does not list (LTO,
// plugins, -B, -specs). -fuse-ld=lld|gold|bfd names the linker (plan.linker), which the daemon
// resolves as the driver does. Anything else passes through with kLinkUnsupported.
// Pure: reads nothing (response files are expanded by the caller).
#pragma once

#include <string>
#include <vector>

#include "zccache/tools/link/link_plan.h"
#include "zccache/tools/plan.h"

namespace zccache::tools::link {

// args: the driver's arguments after the driver itself, response files expanded.
LinkPlan make_link_plan(const std::vector<std::string>& args);

// `ar` in its replace/quick-append forms with deterministic output (GNU ar's `D`, the default of
// Debian's binutils): `ar [-]{r|q}[c][s][S][D][v] archive members...`. The result depends on the
// members and on the archive's previous content (r and q add to an existing archive), both keyed
// by content by the daemon.
struct ArPlan {
  Passthrough passthrough = Passthrough::kNone;
  std::string archive;                // as given
  std::vector<std::string> members;   // as given
  bool explicit_deterministic = false;  // `D` given
};

// default_deterministic: the ar binary writes zero timestamps/uids unless told `U` (its --help
// says "(default)" on the D line). Without D given and without that default: kArchiveMode.
ArPlan make_ar_plan(const std::vector<std::string>& args, bool default_deterministic);

}  // namespace zccache::tools::link
