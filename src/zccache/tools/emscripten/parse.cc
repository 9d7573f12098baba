#include "zccache/tools/emscripten/parse.h"

#include <algorithm>
#include <array>
#include <optional>

#include "zccache/tools/emscripten/options.h"
#include "zccache/tools/emscripten/shlex.h"
#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::tools::emscripten {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

const char* env_value(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& e : env) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
      return e.c_str() + name.size() + 1;
    }
  }
  return nullptr;
}

// substitute_response_files: one level, shlex-split, `@file` anywhere in argv. A file that names
// an encoding other than UTF-8 in its suffix ("x.rsp.cp1252"), `-Wl,@file`, and an @ inside a
// response file (emcc would hand it to clang, which expands it its own way) are not modelled.
std::optional<std::vector<std::string>> expand(const std::vector<std::string>& args, std::string_view cwd,
                                               FileReader& reader) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (starts_with(a, "-Wl,@")) return std::nullopt;
    if (a.empty() || a[0] != '@') {
      out.push_back(a);
      continue;
    }
    std::string path = a.substr(1);
    std::string_view base = std::string_view(path).substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    size_t dot = base.rfind('.');
    if (dot != std::string_view::npos && base.find('.') != dot) {
      std::string_view suffix = base.substr(dot + 1);
      if (!starts_with(suffix, "utf") && (starts_with(suffix, "cp") || starts_with(suffix, "iso") ||
                                          suffix == "ascii" || suffix == "latin-1")) {
        return std::nullopt;
      }
    }
    std::string abs = !path.empty() && path[0] == '/' ? path : std::string(cwd) + "/" + path;
    auto text = reader.read(abs);
    if (!text) return std::nullopt;
    std::string_view content = *text;
    if (starts_with(content, "\xEF\xBB\xBF")) content.remove_prefix(3);  // utf-8-sig
    auto tokens = shlex_split(content);
    if (!tokens) return std::nullopt;
    for (auto& t : *tokens) {
      if (!t.empty() && t[0] == '@') return std::nullopt;
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Linker options (after -Wl, or -Xlinker) that write files: side outputs belong to the link
// side-output work, and --reproduce is how the daemon learns the inputs.
bool linker_writes_files(std::string_view t) {
  for (std::string_view p : {"-Map", "--Map", "--reproduce", "-reproduce", "--save-temps", "-save-temps"}) {
    if (starts_with(t, p)) return true;
  }
  return false;
}

// Only objects and archives: a source would be compiled inside the link through temporaries,
// and shared libraries and bitcode take other paths through emcc.
bool link_input(std::string_view path) { return ends_with(path, ".o") || ends_with(path, ".a"); }

// Predicts the outputs of `-o target` (emcc.py phase_linker_setup: the suffix picks the
// format; the wasm file is <base>.wasm).
bool predict_outputs(EmccLinkPlan& plan) {
  const std::string& out = plan.output;
  size_t slash = out.rfind('/');
  size_t dot = out.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  std::string base = out.substr(0, dot);
  std::string_view suffix = std::string_view(out).substr(dot);
  plan.outputs = {out};
  if (suffix == ".js" || suffix == ".mjs") {
    plan.outputs.push_back(base + ".wasm");
  } else if (suffix == ".html") {
    plan.outputs.push_back(base + ".js");
    plan.outputs.push_back(base + ".wasm");
  } else if (suffix != ".wasm") {
    return false;  // .o (link to an object), no suffix, ...
  }
  for (std::string_view ext : {".js", ".mjs", ".wasm", ".html", ".worker.js", ".wasm.map", ".js.map", ".js.symbols",
                               ".symbols", ".data", ".js.mem", ".html.mem", ".mem", ".debug.wasm",
                               ".wasm.debug.wasm", ".wasm.orig"}) {
    std::string name = base + std::string(ext);
    if (std::find(plan.outputs.begin(), plan.outputs.end(), name) == plan.outputs.end()) plan.guarded.push_back(name);
  }
  return true;
}

Passthrough plan_link(const std::vector<std::string>& args, EmccLinkPlan& plan) {
  bool output_given = false;
  for (size_t i = 0; i < args.size();) {
    const std::string& a = args[i];
    EmccArg emcc = find_emcc_arg(args, i);
    if (emcc.setting) {
      if (setting_effect(emcc.value) != SettingEffect::kKeyed) return Passthrough::kEmccOption;
      i = emcc.next;
      continue;
    }
    if (emcc.info) {
      if (emcc.info->kind == EmccKind::kJsInput) plan.js_inputs.emplace_back(emcc.value);
      i = emcc.next;
      continue;
    }
    if (a.empty() || a == "-") return Passthrough::kLinkUnsupported;
    if (a[0] != '-') {
      if (!link_input(a)) return Passthrough::kLinkUnsupported;
      plan.inputs.push_back(a);
      ++i;
      continue;
    }
    if (starts_with(a, "-o")) {
      if (output_given) return Passthrough::kLinkUnsupported;
      output_given = true;
      if (a.size() > 2) {
        plan.output = a.substr(2);
        ++i;
      } else {
        if (i + 1 >= args.size()) return Passthrough::kLinkUnsupported;
        plan.output = args[i + 1];
        i += 2;
      }
      continue;
    }
    if (a == "-pthread" || a == "-shared" || a == "-r") return Passthrough::kEmccOption;  // worker script, side module, object
    if (starts_with(a, "-Wl,")) {
      std::string_view rest = std::string_view(a).substr(4);
      while (true) {
        size_t comma = rest.find(',');
        if (linker_writes_files(rest.substr(0, comma))) return Passthrough::kLinkUnsupported;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      ++i;
      continue;
    }
    if (a == "-Xlinker") {
      if (i + 1 >= args.size() || linker_writes_files(args[i + 1])) return Passthrough::kLinkUnsupported;
      i += 2;
      continue;
    }
    if (starts_with(a, "-L") || starts_with(a, "-l")) {  // emcc joins "-L dir" itself
      i += a.size() == 2 ? 2 : 1;
      continue;
    }
    if (a == "-mllvm") {
      i += 2;
      continue;
    }
    for (std::string_view p : {"-fuse-ld", "--ld-path", "-B", "--sysroot", "-target", "--target", "-save-temps",
                               "-fplugin", "-fprofile", "--coverage"}) {
      if (starts_with(a, p)) return Passthrough::kLinkUnsupported;
    }
    gcc_clang::OptionMatch match = gcc_clang::find_option(a);
    if (!match.info || match.info->kind == gcc_clang::OptionKind::kUnsupported) return Passthrough::kLinkUnsupported;
    i += match.exact && (match.info->flags & gcc_clang::kSeparate) != 0 ? 2 : 1;
  }
  if (plan.inputs.empty()) return Passthrough::kNoSource;
  if (!output_given) plan.output = "a.out.js";
  if (!predict_outputs(plan)) return Passthrough::kLinkUnsupported;
  return Passthrough::kNone;
}

}  // namespace

bool keyed_env_name(std::string_view name) {
  for (std::string_view skip : {"EM_EXCLUSIVE_CACHE_ACCESS", "EM_HAVE_TEMP_DIR_LOCK", "EMCC_CORES",
                                "EM_PYTHON_MULTIPROCESSING"}) {
    if (name == skip) return false;
  }
  for (std::string_view p : {"EMCC_", "EM_", "EMMAKEN_", "EMSCRIPTEN", "EMSDK"}) {
    if (starts_with(name, p)) return true;
  }
  return name == "LLVM_ADD_VERSION" || name == "CLANG_ADD_VERSION" || name == "NODE_PATH" || name == "NODE_OPTIONS";
}

bool has_emcc_messages(std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (starts_with(line, "emcc: ") || starts_with(line, "em++: ")) return true;
    for (std::string_view level : {":DEBUG: ", ":INFO: ", ":WARNING: ", ":ERROR: ", ":CRITICAL: "}) {
      size_t at = line.find(level);
      if (at != std::string_view::npos && line.substr(0, at).find(' ') == std::string_view::npos) return true;
    }
  }
  return false;
}

EmccPlan make_plan(const std::vector<std::string>& args, std::string_view cwd, const std::vector<std::string>& env,
                   FileReader& reader) {
  EmccPlan plan;
  auto refuse = [&](Passthrough reason) {
    plan.passthrough = reason;
    return plan;
  };
  plan.args = args;
  for (std::string_view name : kDebugEnv) {
    if (env_value(env, name)) return refuse(Passthrough::kEmccDebugEnv);
  }
  // tools/config.py takes `--em-config FILE` out of argv before anything else.
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--em-config") plan.config_file = args[i + 1];
  }
  std::vector<std::string> all = args;
  if (const char* cflags = env_value(env, "EMCC_CFLAGS"); cflags && *cflags) {
    auto extra = shlex_split(cflags);
    if (!extra) return refuse(Passthrough::kEmccOption);
    plan.cflags_from_env = !extra->empty();
    all.insert(all.end(), extra->begin(), extra->end());
  }
  auto expanded = expand(all, cwd, reader);
  if (!expanded) return refuse(Passthrough::kResponseFile);
  plan.args = std::move(*expanded);

  for (size_t i = 0; i < plan.args.size();) {
    EmccArg arg = find_emcc_arg(plan.args, i);
    if (i < plan.args.size() && plan.args[i] == "-mllvm") {
      i += 2;
      continue;
    }
    if (arg.setting && setting_effect(arg.value) == SettingEffect::kUnmodelled) return refuse(Passthrough::kEmccOption);
    if (arg.info) {
      switch (arg.info->kind) {
        case EmccKind::kUnmodelled:
          return refuse(Passthrough::kEmccOption);
        case EmccKind::kInformational:
          return refuse(Passthrough::kInformational);
        case EmccKind::kCache:
          plan.cache_dir = std::string(arg.value);
          break;
        default:
          break;
      }
    }
    // -lSDL2_mixer turns into USE_SDL_MIXER=2, a port (building.map_and_apply_to_settings).
    if (plan.args[i] == "-lSDL2_mixer" || (plan.args[i] == "-l" && i + 1 < plan.args.size() && plan.args[i + 1] == "SDL2_mixer")) {
      return refuse(Passthrough::kEmccOption);
    }
    i = std::max(arg.next, i + 1);
  }

  plan.compile = gcc_clang::make_plan(Family::kClang, plan.args, cwd, env, reader, &emcc_option_match);
  if (plan.compile.passthrough == Passthrough::kLinking) {
    plan.link = true;
    plan.compile = Plan{};
    return refuse(plan_link(plan.args, plan.link_plan));
  }
  if (plan.compile.passthrough != Passthrough::kNone) return refuse(plan.compile.passthrough);
  // A split multi-source compile reruns emcc on the expanded argv, to which emcc would append
  // EMCC_CFLAGS a second time.
  if (plan.cflags_from_env && !plan.compile.units.empty()) return refuse(Passthrough::kMultipleSources);
  return plan;
}

}  // namespace zccache::tools::emscripten
