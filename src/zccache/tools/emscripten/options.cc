#include "zccache/tools/emscripten/options.h"

#include <algorithm>
#include <array>

namespace zccache::tools::emscripten {
namespace {

using K = EmccKind;

constexpr std::array<EmccOptionInfo, 58> kOptions = {{
    {"--bind", K::kKeyed, false},  // -lembind
    {"--cache", K::kCache, true},
    {"--cflags", K::kInformational, false},
    {"--check", K::kInformational, false},
    {"--clear-cache", K::kInformational, false},
    {"--clear-ports", K::kInformational, false},
    {"--closure", K::kUnmodelled, true},       // runs closure-compiler (java or node)
    {"--closure-args", K::kUnmodelled, true},
    {"--compiler-wrapper", K::kUnmodelled, true},
    {"--cpuprofiler", K::kKeyed, false},
    {"--default-obj-ext", K::kUnmodelled, true},  // renames the objects of -c
    {"--em-config", K::kConfig, true},
    {"--embed-file", K::kUnmodelled, true},       // files and whole directories
    {"--emit-symbol-map", K::kUnmodelled, false},  // writes <target>.symbols
    {"--emrun", K::kKeyed, false},
    {"--exclude-file", K::kUnmodelled, true},
    {"--extern-post-js", K::kJsInput, true},
    {"--extern-pre-js", K::kJsInput, true},
    {"--generate-config", K::kInformational, false},
    {"--help", K::kInformational, false},
    {"--ignore-dynamic-linking", K::kKeyed, false},
    {"--jcache", K::kKeyed, false},
    {"--js-library", K::kJsInput, true},
    {"--js-opts", K::kKeyed, true},
    {"--js-transform", K::kUnmodelled, true},     // runs a command on the JS
    {"--llvm-lto", K::kKeyed, true},
    {"--llvm-opts", K::kKeyed, true},
    {"--memory-init-file", K::kUnmodelled, true},  // writes <target>.mem
    {"--memoryprofiler", K::kKeyed, false},
    {"--minify", K::kKeyed, true},
    {"--no-entry", K::kKeyed, false},
    {"--no-heap-copy", K::kKeyed, false},
    {"--oformat", K::kUnmodelled, true},
    {"--output_eol", K::kKeyed, true},
    {"--post-js", K::kJsInput, true},
    {"--post-link", K::kUnmodelled, false},
    {"--pre-js", K::kJsInput, true},
    {"--preload-file", K::kUnmodelled, true},     // writes <target>.data
    {"--profiling", K::kKeyed, false},
    {"--profiling-funcs", K::kKeyed, false},
    {"--proxy-to-worker", K::kUnmodelled, false},  // a worker script beside the JS
    {"--remove-duplicates", K::kKeyed, false},
    {"--separate-asm", K::kKeyed, false},
    {"--shell-file", K::kJsInput, true},
    {"--show-ports", K::kInformational, false},
    {"--source-map-base", K::kKeyed, true},
    {"--threadprofiler", K::kKeyed, false},
    {"--tracing", K::kKeyed, false},
    {"--use-preload-cache", K::kUnmodelled, false},
    {"--use-preload-plugins", K::kUnmodelled, false},
    {"--valid-abspath", K::kKeyed, true},
    {"--version", K::kInformational, false},
    {"-dumpmachine", K::kInformational, false},
    {"-dumpversion", K::kInformational, false},
    {"-gforce_dwarf", K::kKeyed, false},
    {"-gsource-map", K::kUnmodelled, false},  // writes <target>.wasm.map
    {"-profiling", K::kKeyed, false},
    {"-profiling-funcs", K::kKeyed, false},
}};

constexpr EmccOptionInfo kSeparateDwarf{"-gseparate-dwarf", K::kUnmodelled, false};  // writes <target>.debug.wasm
constexpr EmccOptionInfo kJsDefine{"-jsD", K::kKeyed, false};

// Ports: settings that make emcc fetch and build a library into its cache (tools/ports/*.py).
constexpr std::array<std::string_view, 22> kPortSettings = {
    "USE_BOOST_HEADERS", "USE_BULLET", "USE_BZIP2", "USE_COCOS2D", "USE_FREETYPE", "USE_GIFLIB",
    "USE_HARFBUZZ", "USE_ICU", "USE_LIBJPEG", "USE_LIBPNG", "USE_MODPLUG", "USE_MPG123", "USE_OGG",
    "USE_REGAL", "USE_SDL", "USE_SDL_GFX", "USE_SDL_IMAGE", "USE_SDL_MIXER", "USE_SDL_NET",
    "USE_SDL_TTF", "USE_VORBIS", "USE_ZLIB"};
// Settings that change which files a link writes beside the target: no wasm (WASM=0, SINGLE_FILE,
// WASM2JS), a worker script (threads, PROXY_TO_WORKER), side modules, split modules, symbol and
// source maps, separate DWARF, a memory initialiser file; and internal settings that name files.
constexpr std::array<std::string_view, 20> kOutputSettings = {
    "EMIT_SYMBOL_MAP", "GENERATE_SOURCE_MAP", "JS_LIBRARIES", "LZ4", "MAIN_MODULE", "MEM_INIT_METHOD",
    "POST_JS_FILES", "PRE_JS_FILES", "PROXY_TO_WORKER", "RELOCATABLE", "SEPARATE_DWARF", "SHARED_MEMORY",
    "SIDE_MODULE", "SINGLE_FILE", "SPLIT_MODULE", "USE_PTHREADS", "WASM", "WASM2JS", "WASM_BINARY_FILE",
    "WASM_WORKERS"};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Python's str.isidentifier() and str.isupper() for ASCII: what is_dash_s_for_emcc asks of NAME.
bool upper_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  bool cased = false;
  for (char c : name) {
    bool upper = c >= 'A' && c <= 'Z';
    bool lower = c >= 'a' && c <= 'z';
    if (lower) return false;
    if (!upper && c != '_' && !(c >= '0' && c <= '9')) return false;
    cased = cased || upper;
  }
  return cased;
}

// The settings must be written as emcc reads them; the static table below describes them to
// the clang scan.
constexpr gcc_clang::OptionInfo kPlainFlag{"emcc", gcc_clang::OptionKind::kPlain, gcc_clang::kNoArg};
constexpr gcc_clang::OptionInfo kPlainSeparate{"emcc", gcc_clang::OptionKind::kPlain, gcc_clang::kSeparate};

}  // namespace

std::span<const EmccOptionInfo> emcc_option_table() { return kOptions; }

EmccArg find_emcc_arg(const std::vector<std::string>& args, size_t i) {
  EmccArg out;
  std::string_view a = args[i];
  out.next = i + 1;
  if (starts_with(a, "-s") && !starts_with(a, "--")) {
    std::string_view setting;
    size_t next = i + 1;
    if (a == "-s") {
      if (i + 1 >= args.size()) return out;
      setting = args[i + 1];
      next = i + 2;
    } else {
      setting = a.substr(2);
    }
    if (!upper_identifier(setting.substr(0, setting.find('=')))) return out;
    out.setting = true;
    out.value = setting;
    out.next = next;
    return out;
  }
  if (starts_with(a, "-jsD")) {
    out.info = &kJsDefine;
    out.value = a.substr(4);
    return out;
  }
  if (starts_with(a, "-gseparate-dwarf")) {
    out.info = &kSeparateDwarf;
    return out;
  }
  // check_arg: `--name=value` when the name is followed by '='; else the exact name.
  std::string_view name = a.substr(0, a.find('='));
  auto it = std::lower_bound(kOptions.begin(), kOptions.end(), name,
                             [](const EmccOptionInfo& o, std::string_view n) { return o.name < n; });
  if (it == kOptions.end() || it->name != name) return out;
  if (name.size() < a.size()) {
    if (!it->takes_value) return out;  // check_flag wants the exact text
    out.info = &*it;
    out.value = a.substr(name.size() + 1);
    return out;
  }
  out.info = &*it;
  if (it->takes_value) {
    if (i + 1 >= args.size()) {  // emcc: "option requires an argument"
      out.info = nullptr;
      return out;
    }
    out.value = args[i + 1];
    out.next = i + 2;
  }
  return out;
}

gcc_clang::OptionMatch emcc_option_match(const std::vector<std::string>& args, size_t i) {
  EmccArg arg = find_emcc_arg(args, i);
  gcc_clang::OptionMatch match;
  if (!arg.info && !arg.setting) return match;
  match.exact = true;
  match.info = arg.next == i + 2 ? &kPlainSeparate : &kPlainFlag;
  return match;
}

SettingEffect setting_effect(std::string_view setting) {
  size_t eq = setting.find('=');
  std::string_view name = setting.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? std::string_view() : setting.substr(eq + 1);
  if (!value.empty() && value[0] == '@') return SettingEffect::kUnmodelled;  // read from a file
  if (std::find(kPortSettings.begin(), kPortSettings.end(), name) != kPortSettings.end()) {
    return SettingEffect::kUnmodelled;
  }
  if (std::find(kOutputSettings.begin(), kOutputSettings.end(), name) != kOutputSettings.end()) {
    return SettingEffect::kLinkOutputs;
  }
  return SettingEffect::kKeyed;
}

}  // namespace zccache::tools::emscripten
