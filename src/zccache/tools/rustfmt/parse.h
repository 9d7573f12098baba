// The rustfmt front end: argv -> RustfmtPlan, for `zccache rustfmt [options] FILES` (and cargo fmt
// through RUSTFMT=...). What is cached is the fact "these files, with this content, are formatted
// for this rustfmt, options and configuration": a run whose every file (the given ones and the
// module files rustfmt follows from them) still has the content it had after a successful run is
// answered without running rustfmt; it would change nothing and print nothing.
// Pure: reads nothing.
#pragma once

#include <string>
#include <vector>

#include "zccache/tools/plan.h"

namespace zccache::tools::rustfmt {

struct RustfmtPlan {
  Passthrough passthrough = Passthrough::kNone;
  std::vector<std::string> files;  // as given
  // Options that decide the formatting (--edition, --style-edition, --config, --config-path,
  // --unstable-features, ...), normalised to --name=value. Output-only options (--check, -l,
  // --color, -q, --emit files) are left out: on a hit nothing is printed either way.
  std::vector<std::string> options;
  std::string config_path;  // --config-path, as given
  bool check = false;
};

RustfmtPlan make_plan(const std::vector<std::string>& args);

}  // namespace zccache::tools::rustfmt
