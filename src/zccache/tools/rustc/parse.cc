#include "zccache/tools/rustc/parse.h"

#include <algorithm>
#include <array>
#include <optional>

namespace zccache::tools::rustc {
namespace {

// Long options that take a value (`--name value` or `--name=value`).
constexpr std::array<std::string_view, 24> kLongWithValue = {
    "cfg",   "check-cfg",    "crate-type",  "crate-name",  "edition", "emit",      "print",
    "out-dir", "explain",    "target",      "cap-lints",   "codegen", "extern",    "sysroot",
    "error-format", "json",  "color",       "diagnostic-width", "remap-path-prefix", "force-warn",
    "allow", "warn",         "deny",        "forbid",
};
// Short options that take a value (`-C value` or `-Cvalue`).
constexpr std::string_view kShortWithValue = "CLloAWDFZ";
// Short flags, which getopts lets a user combine (`-vV`).
constexpr std::string_view kShortFlags = "gOvVh";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::string strip_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

std::string join_dir(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// @path argfiles: one argument per line (rustc does not expand @ inside them). `@shell:` files
// (shell-quoted, newer rustc) are not modelled.
std::optional<std::vector<std::string>> expand_argfiles(const std::vector<std::string>& args, std::string_view cwd,
                                                        FileReader& reader) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (a.size() < 2 || a[0] != '@') {
      out.push_back(a);
      continue;
    }
    if (starts_with(a, "@shell:")) return std::nullopt;
    std::string path = a.substr(1);
    if (path[0] != '/') path = std::string(cwd) + "/" + path;
    auto text = reader.read(path);
    if (!text) return std::nullopt;
    std::string_view rest(*text);
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out.emplace_back(line);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  return out;
}

struct Parser {
  Parser(RustPlan& p, std::string_view c) : plan(p), cwd(c) {}
  RustPlan& plan;
  std::string_view cwd;
  bool informational = false;
  Passthrough reason = Passthrough::kNone;
  struct Emit {
    std::string kind;
    std::string path;  // empty: derived
  };
  std::vector<Emit> emits;
  std::string output;  // -o
  std::string extra_filename;
  int sources = 0;
  bool output_option = false;  // the option being parsed names outputs (left out of scan_args)

  void refuse(Passthrough r) {
    if (reason == Passthrough::kNone) reason = r;
  }

  // One option with its value; `name` is the long name or the one-letter short name.
  void option(std::string_view name, const std::string& value) {
    if (name == "emit" || name == "out-dir" || name == "o") output_option = true;
    auto key = [&] { plan.key_args.push_back("--" + std::string(name) + "=" + value); };
    if (name == "print" || name == "explain") {
      informational = true;
    } else if (name == "crate-type") {
      for (auto t : split(value, ',')) {
        if (t == "lib" || t == "rlib" || t == "staticlib") {
          plan.crate_types.emplace_back(t);
        } else {
          refuse(Passthrough::kRustCrateType);
        }
      }
      key();
    } else if (name == "crate-name") {
      if (!plan.crate_name.empty()) refuse(Passthrough::kUnsupportedOption);  // rustc reports it
      plan.crate_name = value;
      key();
    } else if (name == "emit") {
      std::string kinds;
      for (auto item : split(value, ',')) {
        size_t eq = item.find('=');
        Emit e{std::string(item.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1))};
        if (e.kind != "link" && e.kind != "metadata" && e.kind != "dep-info") refuse(Passthrough::kRustEmit);
        if (e.path == "-") refuse(Passthrough::kOutputNotRegular);  // stdout
        // An explicit path names the file in the dep-info rule: it stays in the key.
        kinds += (kinds.empty() ? "" : ",") + std::string(item);
        emits.push_back(std::move(e));
      }
      plan.key_args.push_back("--emit=" + kinds);
    } else if (name == "out-dir") {
      if (!plan.out_dir.empty()) refuse(Passthrough::kUnsupportedOption);
      plan.out_dir = strip_trailing_slashes(value);
      plan.key_args.push_back("--out-dir");  // given or not changes how the dep-info names outputs
    } else if (name == "o") {
      if (!output.empty()) refuse(Passthrough::kUnsupportedOption);
      output = value;
      key();  // the dep-info rule names it
    } else if (name == "C" || name == "codegen") {
      codegen(value);
      plan.key_args.push_back("-C" + value);
    } else if (name == "L") {
      size_t eq = value.find('=');
      std::string kind = eq == std::string::npos ? "all" : value.substr(0, eq);
      std::string dir = eq == std::string::npos ? value : value.substr(eq + 1);
      if (kind == "native" || kind == "all") plan.native_dirs.push_back(dir);
    } else if (name == "l") {
      // [KIND[:MODIFIERS]=]NAME[:RENAME]
      size_t eq = value.find('=');
      if (eq != std::string::npos && starts_with(value, "static")) {
        // +verbatim names the file exactly; we only model lib<NAME>.a.
        if (value.substr(0, eq).find("verbatim") != std::string::npos) refuse(Passthrough::kUnsupportedOption);
        std::string lib = value.substr(eq + 1);
        plan.static_libs.push_back(lib.substr(0, lib.find(':')));
      }
      plan.key_args.push_back("-l" + value);
    } else if (name == "extern") {
      // [OPTS:]NAME[=PATH]
      size_t eq = value.find('=');
      std::string spec = value.substr(0, eq);
      Extern e{spec.substr(spec.find(':') == std::string::npos ? 0 : spec.find(':') + 1),
               eq == std::string::npos ? "" : value.substr(eq + 1)};
      plan.key_args.push_back("--extern=" + spec + (e.path.empty() ? "" : "=<file>"));
      plan.externs.push_back(std::move(e));
    } else if (name == "target") {
      if (value.size() > 5 && value.compare(value.size() - 5, 5, ".json") == 0) plan.target_json = value;
      key();
    } else if (name == "sysroot" || name == "Z") {
      refuse(Passthrough::kUnsupportedOption);  // another standard library; unstable flags
    } else if (name == "remap-path-prefix") {
      size_t eq = value.find('=');
      if (eq != std::string::npos && strip_trailing_slashes(value.substr(0, eq)) == strip_trailing_slashes(cwd)) {
        plan.cwd_matters = false;
      }
      key();
    } else {
      if (name == "color") plan.color_explicit = true;
      key();  // cfg, check-cfg, edition, lints, error-format, json, diagnostic-width, ...
    }
  }

  void codegen(const std::string& value) {
    size_t eq = value.find('=');
    std::string name = value.substr(0, eq);
    std::string v = eq == std::string::npos ? "" : value.substr(eq + 1);
    std::replace(name.begin(), name.end(), '_', '-');
    bool off = v == "no" || v == "n" || v == "off" || v == "false";
    if (name == "incremental") {
      refuse(Passthrough::kIncremental);
    } else if (name == "extra-filename") {
      extra_filename = v;
    } else if (name == "save-temps" && !off) {
      refuse(Passthrough::kSaveTemps);
    } else if (name == "split-debuginfo" && v != "off") {
      refuse(Passthrough::kUnsupportedOption);  // .dwo/.dwp files beside the outputs
    } else if (name == "profile-generate") {
      refuse(Passthrough::kProfileGenerate);
    }
  }

  void derive_outputs() {
    if (emits.empty()) emits.push_back({"link", ""});
    const std::string base = plan.crate_name + extra_filename;
    size_t derived = 0;
    for (const Emit& e : emits) derived += e.path.empty() ? (e.kind == "link" ? plan.crate_types.size() : 1) : 0;
    auto add = [&](const std::string& kind, const std::string& path) {
      RustOutput out{kind, path};
      if (std::find(plan.outputs.begin(), plan.outputs.end(), out) == plan.outputs.end()) plan.outputs.push_back(out);
      if (kind == "dep-info") plan.depinfo_path = path;
    };
    for (const Emit& e : emits) {
      if (!e.path.empty()) {
        add(e.kind, e.path);
      } else if (!output.empty()) {
        // rustc names every output after -o when there are several; we only take the simple case.
        if (derived != 1) refuse(Passthrough::kUnsupportedOption);
        add(e.kind, output);
      } else if (e.kind == "link") {
        for (const auto& t : plan.crate_types)
          add(e.kind, join_dir(plan.out_dir, "lib" + base + (t == "staticlib" ? ".a" : ".rlib")));
      } else if (e.kind == "metadata") {
        add(e.kind, join_dir(plan.out_dir, "lib" + base + ".rmeta"));
      } else {
        add(e.kind, join_dir(plan.out_dir, base + ".d"));
      }
    }
  }

  void run() {
    const auto& args = plan.args;
    for (size_t i = 0; i < args.size(); ++i) {
      const size_t first = i;
      output_option = false;
      const std::string& a = args[i];
      auto value_at = [&](size_t j) -> std::optional<std::string> {
        if (j >= args.size()) {
          refuse(Passthrough::kUnsupportedOption);  // rustc reports the missing value
          return std::nullopt;
        }
        return args[j];
      };
      if (a == "-") {
        refuse(Passthrough::kStdinInput);
      } else if (a.size() > 2 && starts_with(a, "--")) {
        std::string_view body = std::string_view(a).substr(2);
        size_t eq = body.find('=');
        std::string_view name = body.substr(0, eq);
        if (name == "test") {
          refuse(Passthrough::kRustCrateType);  // a test harness executable
          plan.key_args.push_back(a);
        } else if (name == "version" || name == "help") {
          informational = true;
        } else if (name == "verbose") {
          plan.key_args.push_back(a);
        } else if (std::find(kLongWithValue.begin(), kLongWithValue.end(), name) != kLongWithValue.end()) {
          if (eq != std::string_view::npos) {
            option(name, std::string(body.substr(eq + 1)));
          } else if (auto v = value_at(++i)) {
            option(name, *v);
          }
        } else {
          refuse(Passthrough::kUnsupportedOption);
        }
      } else if (a.size() >= 2 && a[0] == '-' && a[1] != '-') {
        char c = a[1];
        if (kShortWithValue.find(c) != std::string_view::npos) {
          if (a.size() > 2) {
            option(std::string_view(&a[1], 1), a.substr(2));
          } else if (auto v = value_at(++i)) {
            option(std::string_view(&a[1], 1), *v);
          }
        } else if (a.find_first_not_of(kShortFlags, 1) == std::string::npos) {
          if (a.find_first_of("Vh") != std::string::npos) informational = true;
          plan.key_args.push_back(a);
        } else {
          refuse(Passthrough::kUnsupportedOption);
        }
      } else {
        ++sources;
        plan.source = a;
        plan.key_args.push_back(a);  // file!() and the metadata name the source as given
      }
      if (!output_option) {
        for (size_t j = first; j <= i && j < args.size(); ++j) plan.scan_args.push_back(args[j]);
      }
    }
    if (informational) {
      plan.passthrough = Passthrough::kInformational;
      return;
    }
    if (reason == Passthrough::kNone) {
      if (sources == 0) {
        refuse(Passthrough::kNoSource);
      } else if (sources > 1) {
        refuse(Passthrough::kMultipleSources);  // rustc reports it
      } else if (plan.crate_types.empty()) {
        refuse(Passthrough::kRustCrateType);  // bin by default, or #![crate_type] in the source
      } else if (plan.crate_name.empty()) {
        refuse(Passthrough::kRustCrateName);
      }
    }
    if (reason == Passthrough::kNone) derive_outputs();
    plan.passthrough = reason;
  }
};

}  // namespace

RustPlan make_plan(const std::vector<std::string>& args, std::string_view cwd, FileReader& reader) {
  RustPlan plan;
  auto expanded = expand_argfiles(args, cwd, reader);
  if (!expanded) {
    plan.args = args;
    plan.passthrough = Passthrough::kResponseFile;
    return plan;
  }
  plan.args = std::move(*expanded);
  Parser parser(plan, cwd);
  parser.run();
  return plan;
}

}  // namespace zccache::tools::rustc
