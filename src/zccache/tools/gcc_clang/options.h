// The gcc/clang option table: one sorted array of (name, kind, flags), in the manner of ccache's
// compopt.cpp, so that teaching the parser a new option is one line. Immutable; thread-safe.
//
// Lookup: an exact name wins; otherwise the longest kJoined name that is a prefix of the argument
// ("-fdebug-prefix-map=" before "-f"). Broad prefixes ("-f", "-m", "-W", "-O", "-g") make whole
// families cacheable; the outputs and inputs that we do not model (dumps, plugins, profiles,
// modules, optimisation records) are listed by name with kind kUnsupported and win by length.
// An argument that starts with '-' and matches nothing is unsupported: the parser never guesses
// whether an unknown option takes the next argument.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace zccache::tools::gcc_clang {

// What make_plan does with an option.
enum class OptionKind : uint8_t {
  kPlain,             // affects the compile (or nothing, e.g. link-only flags with -c): kept in the key
  kUnsupported,       // writes or reads files we do not model: passthrough kUnsupportedOption
  kCompile,           // -c
  kAssemble,          // -S
  kPreprocess,        // -E, -M, -MM
  kOutput,            // -o
  kDepMD,             // -MD
  kDepMMD,            // -MMD
  kDepMF,             // -MF file
  kDepMT,             // -MT target
  kDepMQ,             // -MQ target
  kDepMP,             // -MP
  kLanguage,          // -x lang
  kArch,              // -arch (Apple): more than one is uncacheable
  kInformational,     // --version, -v, -###, -print-*, ...
  kSaveTemps,         // -save-temps[=...]
  kProfile,           // profile generation and coverage: passthrough kProfileGenerate
  kColor,             // -f[no-]diagnostics-color[=...], -f[no-]color-diagnostics
  kDebug,             // -g*: decoded by the parser (level, split DWARF, record switches)
  kPrefixMap,         // -fdebug-prefix-map=old=new, -ffile-prefix-map=old=new
  kDebugDir,          // clang -fdebug-compilation-dir, -ffile-compilation-dir=
  kStackUsage,        // -fstack-usage: writes <object stem>.su
  kNoStackUsage,      // -fno-stack-usage
  kRecordSwitches,    // -frecord-gcc-switches / -frecord-command-line (clang records -o and cwd)
  kNoRecordSwitches,  // -fno-record-gcc-switches / -fno-record-command-line
  kPreprocessorArgs,  // -Wp,a,b / -Xpreprocessor a: each item is checked
  kAssemblerArgs,     // -Wa,a,b / -Xassembler a: each item is checked
  kClangArgs,         // -Xclang a: checked against cc1 options that write or read files
};

// How an option takes its argument.
enum OptionFlags : uint8_t {
  kNoArg = 0,
  kSeparate = 1 << 0,  // "-I dir": the argument is the next argv element (when given exactly)
  kJoined = 1 << 1,    // "-Idir", "-std=c11", "-O2": the rest of the same element
};

struct OptionInfo {
  std::string_view name;
  OptionKind kind;
  uint8_t flags;
};

// The table, sorted by name in byte order, without duplicates (option_table_test checks both).
std::span<const OptionInfo> option_table();

struct OptionMatch {
  const OptionInfo* info = nullptr;  // null: not an option we know
  bool exact = false;                // the whole argument is the name
  std::string_view joined;           // for a prefix match: the text after the name
};

OptionMatch find_option(std::string_view arg);

}  // namespace zccache::tools::gcc_clang
