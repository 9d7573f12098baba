// The gcc/clang front end: argv -> Plan for gcc, g++, cc, c++, clang, clang++ (and versioned names).
// Pure: reads nothing but response files through the FileReader; checks no output path (the daemon
// checks that outputs are regular files, with kOutputNotRegular) except the "-" of "-o -" and
// "-MF -", which mean stdout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/file_reader.h"
#include "zccache/tools/gcc_clang/options.h"
#include "zccache/tools/plan.h"

namespace zccache::tools::gcc_clang {

// args: argv after the compiler (argv[1..]). cwd: the compile's working directory (absolute);
// relative @files are read from it, and it decides whether a prefix map covers the cwd.
// env: "NAME=VALUE" strings of the compile. When the Plan is a passthrough, only family, args
// (response files expanded, or as given when expansion failed) and passthrough are meaningful.
// Family::kUnknown gives Passthrough::kUnknownCompiler.
// extra: options of a driver over clang (emcc's -s, --pre-js, ...), asked about args[i] before
// the option table; a null `info` in its answer falls back to the table. It sees the whole argv
// because emcc's `-s` takes the next argument only when that names a setting.
using ExtraOptions = OptionMatch (*)(const std::vector<std::string>& args, size_t i);
Plan make_plan(Family family, const std::vector<std::string>& args, std::string_view cwd,
               const std::vector<std::string>& env, FileReader& reader, ExtraOptions extra = nullptr);

}  // namespace zccache::tools::gcc_clang
