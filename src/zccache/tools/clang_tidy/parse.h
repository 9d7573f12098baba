// The clang-tidy front end: argv -> TidyPlan, for `zccache clang-tidy [options] file.cpp -- <flags>`
// and `zccache clang-tidy -p build/ [options] file.cpp`. What is cached is the diagnostics of one
// run (stdout, stderr, exit code): clang-tidy writes no file unless asked to (-fix, --export-fixes,
// --store-check-profile), and those runs pass through.
// Pure: reads nothing.
#pragma once

#include <string>
#include <vector>

#include "zccache/tools/plan.h"

namespace zccache::tools::clang_tidy {

struct TidyPlan {
  Passthrough passthrough = Passthrough::kNone;
  std::string source;                  // the one source file, as given
  std::vector<std::string> options;    // clang-tidy's own arguments before `--`, the source left out
  bool fixed_flags = false;            // `--` given: the compile flags follow it (no database)
  std::vector<std::string> compile_flags;  // after `--`
  std::string build_path;              // -p, as given; empty when none
  std::string config_file;             // --config-file, as given; empty when none
  // `options` without --checks (and without the source): what the daemon's include-list run
  // starts from, adding its own cheap --checks (clang-tidy refuses a second --checks).
  std::vector<std::string> scan_options;
};

// args: argv after clang-tidy. clang-tidy (LLVM's option parser) takes `-name` and `--name`,
// with `=value` or the value as the next argument.
TidyPlan make_plan(const std::vector<std::string>& args);

}  // namespace zccache::tools::clang_tidy
