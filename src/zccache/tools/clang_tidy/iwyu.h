// The include-what-you-use front end: argv -> IwyuPlan, for
// `zccache include-what-you-use [-Xiwyu opt]... <clang flags> [-c] file.cpp` (also as iwyu_tool.py
// runs it). What is cached is one run's report (stdout, stderr, exit code); IWYU writes no file.
// Pure: reads no file (response files pass through instead of being read).
#pragma once

#include <string>
#include <vector>

#include "zccache/tools/file_reader.h"
#include "zccache/tools/plan.h"

namespace zccache::tools::clang_tidy {

struct IwyuPlan {
  Passthrough passthrough = Passthrough::kNone;
  std::string source;                      // as given
  std::vector<std::string> mapping_files;  // -Xiwyu --mapping_file=..., as given
};

// args: argv after include-what-you-use. The clang flags are read as clang's (gcc_clang::make_plan)
// to find the one source; env: the compile's "NAME=VALUE" strings.
IwyuPlan make_iwyu_plan(const std::vector<std::string>& args, std::string_view cwd,
                        const std::vector<std::string>& env);

}  // namespace zccache::tools::clang_tidy
