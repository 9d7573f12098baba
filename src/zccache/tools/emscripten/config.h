// Emscripten's config file (.emscripten, EM_CONFIG), read the way tools/config.py would see it
// when the file is plain data. emcc exec()s the file as Python, so in general it can read the
// environment or other files; we accept only files whose statements are all `NAME = literal`
// (strings, numbers, True/False/None, one-line lists of those), where the content alone fixes
// every value. Anything else is refused and the compile passes through (kEmccConfig). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools::emscripten {

struct ConfigValue {
  enum class Kind : uint8_t { kString, kNumber, kBool, kNone, kList };
  Kind kind = Kind::kNone;
  std::string text;                // kString: the string; kNumber: as written; kBool: "True"/"False"
  std::vector<std::string> items;  // kList: the strings
  // Python truthiness (FROZEN_CACHE is tested with `if FROZEN_CACHE:`).
  bool truthy() const;
  // What emcc uses as a path or command: the string, or a list's first item.
  std::string first() const;
};

using Config = std::map<std::string, ConfigValue, std::less<>>;

// nullopt when some statement is not `NAME = literal` (comment and blank lines aside).
std::optional<Config> parse_static_config(std::string_view text);

// The keys tools/config.py takes from the file, each overridable by the environment variable
// EM_<KEY> (whose value is then a string).
inline constexpr std::string_view kConfigKeys[] = {
    "NODE_JS", "BINARYEN_ROOT", "SPIDERMONKEY_ENGINE", "V8_ENGINE", "LLVM_ROOT", "LLVM_ADD_VERSION",
    "CLANG_ADD_VERSION", "CLOSURE_COMPILER", "JAVA", "JS_ENGINE", "JS_ENGINES", "WASMER", "WASMTIME",
    "WASM_ENGINES", "FROZEN_CACHE", "CACHE", "PORTS", "COMPILER_WRAPPER"};

// Applies EM_<KEY> overrides from `env` ("NAME=VALUE") to `config`, as parse_config_file does.
void apply_env_overrides(Config& config, const std::vector<std::string>& env);

}  // namespace zccache::tools::emscripten
