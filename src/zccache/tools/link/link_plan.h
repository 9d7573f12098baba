// LinkPlan: what a link front end (driver link, ld.lld or wasm-ld called directly) makes of one
// invocation, plus where its output names sit in argv so that a verification run (the daemon's
// determinism check) can send the outputs elsewhere. Plain data; pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "zccache/tools/plan.h"

namespace zccache::tools::link {

// A value inside argv: args[arg].substr(offset, length). Absent when arg == kNone.
struct ArgSlot {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t arg = kNone;
  size_t offset = 0;
  size_t length = 0;
  bool present() const { return arg != kNone; }
};

struct LinkPlan {
  Passthrough passthrough = Passthrough::kNone;
  std::string output = "a.out";        // -o, as given
  std::vector<std::string> lib_dirs;   // -L, as given, in command-line order
  std::vector<std::string> inputs;     // files named on the command line, as given
  // The linker program a driver runs: "ld", or "ld.<name>" for -fuse-ld=<name> (lld, gold, bfd).
  std::string linker = "ld";
  std::string map_file;                // -Map / --Map file, as given; empty when none
  ArgSlot output_slot;                 // absent: the default a.out
  ArgSlot map_slot;
};

// `args` with the -o value replaced by `output` (or `-o output` appended when there was none) and
// the map file's by `map` (when the plan has one).
std::vector<std::string> redirect_outputs(const std::vector<std::string>& args, const LinkPlan& plan,
                                          const std::string& output, const std::string& map);

}  // namespace zccache::tools::link
