// The gcc/clang front end: argv -> Plan for gcc, g++, cc, c++, clang, clang++ (and versioned names).
// Pure: reads nothing but response files through the FileReader; checks no output path (the daemon
// checks that outputs are regular files, with kOutputNotRegular).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/file_reader.h"
#include "zccache/tools/plan.h"

namespace zccache::tools::gcc_clang {

// args: argv after the compiler (argv[1..]). env: "NAME=VALUE" strings of the compile.
Plan make_plan(Family family, const std::vector<std::string>& args, std::string_view cwd,
               const std::vector<std::string>& env, FileReader& reader);

}  // namespace zccache::tools::gcc_clang
