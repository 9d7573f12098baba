// The options emcc itself consumes (emcc.py parse_args and parse_s_args of Emscripten 3.1.6),
// as one sorted table in the manner of gcc_clang/options.h. Everything else on an emcc command
// line goes to clang (compile) or wasm-ld (link) and is classified by the gcc/clang table.
// Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>
#include <string>

#include "zccache/tools/gcc_clang/options.h"

namespace zccache::tools::emscripten {

enum class EmccKind : uint8_t {
  kKeyed,          // changes what emcc does only through argv, which the key holds
  kJsInput,        // the value names a file the link reads (--pre-js, --js-library, --shell-file):
                   // keyed by content
  kUnmodelled,     // reads files we do not track (--embed-file), runs programs (--closure,
                   // --js-transform), writes outputs we do not predict: passthrough kEmccOption
  kInformational,  // prints or manages emcc's cache and exits (--check, --clear-cache, ...)
  kConfig,         // --em-config FILE: the config file to use
  kCache,          // --cache DIR: the cache directory to use
};

struct EmccOptionInfo {
  std::string_view name;
  EmccKind kind;
  bool takes_value;  // emcc's check_arg: `--name value` or `--name=value`
};

// The table, sorted by name in byte order (options_test checks it).
std::span<const EmccOptionInfo> emcc_option_table();

// One emcc-only argument recognised at args[i].
struct EmccArg {
  const EmccOptionInfo* info = nullptr;  // null: not an emcc option (and not a setting)
  bool setting = false;                  // -s NAME[=VALUE] / -sNAME[=VALUE]
  std::string_view value;                // the option's value, or the setting's NAME[=VALUE]
  size_t next = 0;                       // index of the argument after it (and its value)
};

// Recognises args[i] as emcc does: check_arg/check_flag names, -jsD..., emcc's -g variants
// (-gsource-map, -gseparate-dwarf[=...], -gforce_dwarf), and settings (is_dash_s_for_emcc: -s is
// a setting only when NAME is an upper-case identifier; `-s` alone is the linker's --strip-all).
EmccArg find_emcc_arg(const std::vector<std::string>& args, size_t i);

// The same as a gcc_clang::ExtraOptions for make_plan: emcc options look like plain options with
// the right arity to the clang option scan.
gcc_clang::OptionMatch emcc_option_match(const std::vector<std::string>& args, size_t i);

// What a setting (NAME or NAME=VALUE) does to caching.
enum class SettingEffect : uint8_t {
  kKeyed,         // argv keys it
  kUnmodelled,    // a port (fetched and built into the cache), or a value read from @file
  kLinkOutputs,   // changes which files a link writes (WASM, SINGLE_FILE, USE_PTHREADS, ...)
};
SettingEffect setting_effect(std::string_view setting);

}  // namespace zccache::tools::emscripten
