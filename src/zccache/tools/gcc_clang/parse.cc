// argv -> Plan for gcc and clang. One pass over the expanded arguments collects what each option
// means (through the option table), then the Plan is decided from the collected facts. Every rule
// about file names below was checked against gcc 12.2 and clang 14.0.6 (see parse_compiler_test.cc).
#include "zccache/tools/gcc_clang/parse.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/depfile.h"
#include "zccache/tools/gcc_clang/options.h"
#include "zccache/tools/gcc_clang/sub_options.h"
#include "zccache/tools/response_file.h"

namespace zccache::tools::gcc_clang {

namespace {

// What an argv element is to the key.
enum class Role : uint8_t {
  kKeep,     // in key_args and probe_args
  kCompile,  // -c / -S: in key_args, not in probe_args
  kOutput,   // -o and its argument: out of both (unless the object embeds the output name)
  kDepfile,  // -MD/-MMD/-MF/-MT/-MQ/-MP and their arguments: out of both
  kSource,   // the input: out of both
};

struct Input {
  size_t index;
  std::string x_language;  // the -x in force at this input ("" when none or "none")
};

struct DepTarget {
  std::string name;
  bool quoted;  // -MQ
};

// Everything one pass over argv learns.
struct Scan {
  std::vector<Role> roles;
  std::vector<Input> inputs;
  bool compile = false;
  bool assemble = false;
  bool preprocess = false;
  bool informational = false;
  bool save_temps = false;
  bool profile = false;
  bool unsupported = false;
  bool unread_response_file = false;
  int arch_count = 0;
  size_t last_language_index = 0;  // of the last -x, 0 when none
  std::optional<std::string> output;
  bool md = false;
  bool mmd = false;
  bool mp = false;
  std::optional<std::string> mf;
  std::vector<DepTarget> dep_targets;
  bool color = false;
  DebugState debug;
  bool stack_usage = false;
  bool record_switches = false;
  bool debug_dir = false;
  std::vector<std::string> prefix_map_olds;
};

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// gcc's "%b"/"%.d" substitutions and llvm::sys::path::replace_extension agree (checked for "x/a",
// "x.dir/a", "x/a.b.o" and ".hid"): drop everything from the last '.' of the file-name part.
std::string replace_extension(std::string_view path, std::string_view ext) {
  size_t slash = path.rfind('/');
  size_t start = slash == std::string_view::npos ? 0 : slash + 1;
  size_t dot = path.rfind('.');
  if (dot != std::string_view::npos && dot >= start) path = path.substr(0, dot);
  return std::string(path) + std::string(ext);
}

std::string language_of_extension(std::string_view source) {
  std::string_view name = basename_of(source);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  std::string_view ext = name.substr(dot + 1);
  if (ext == "c") return "c";
  if (ext == "cc" || ext == "cp" || ext == "cxx" || ext == "cpp" || ext == "CPP" || ext == "c++" || ext == "C") {
    return "c++";
  }
  if (ext == "m") return "objective-c";
  if (ext == "mm" || ext == "M") return "objective-c++";
  if (ext == "S" || ext == "sx") return "assembler-with-cpp";
  if (ext == "i") return "cpp-output";
  if (ext == "ii") return "c++-cpp-output";
  return "";  // headers, .s, objects, libraries, unknown: nothing we cache
}

bool is_cacheable_language(std::string_view language) {
  return language == "c" || language == "c++" || language == "objective-c" || language == "objective-c++" ||
         language == "assembler-with-cpp" || language == "cpp-output" || language == "c++-cpp-output";
}

// gcc's mkdeps strips leading "./" from every target (apply_vpath); clang does not.
std::string_view strip_dot_slash(std::string_view t) {
  while (t.size() >= 2 && t[0] == '.' && t[1] == '/') {
    t.remove_prefix(2);
    while (!t.empty() && t[0] == '/') t.remove_prefix(1);
  }
  return t;
}

// The targets in the order the compiler writes them.
std::vector<std::string> depfile_targets(Family family, const std::vector<DepTarget>& given,
                                         std::string_view object) {
  std::vector<std::string> out;
  if (given.empty()) {
    out.push_back(quote_target(family, object));
    return out;
  }
  if (family == Family::kClang) {
    // clang's driver turns each -MQ into a quoted -MT, in command-line order.
    for (const DepTarget& t : given) out.push_back(t.quoted ? quote_target(family, t.name) : t.name);
    return out;
  }
  // gcc's driver passes all -MQ before all -MT ("%{MQ*} %{MT*}"); libcpp's deps_add_target then
  // swaps each unquoted target into the slot of the lowest quoted one (quote_lwm).
  size_t quote_lwm = 0;
  for (const DepTarget& t : given) {
    if (t.quoted) out.push_back(quote_target(family, t.name));
  }
  for (const DepTarget& t : given) {
    if (t.quoted) continue;
    std::string name(strip_dot_slash(t.name));
    if (quote_lwm != out.size()) std::swap(name, out[quote_lwm]);
    ++quote_lwm;
    out.push_back(std::move(name));
  }
  return out;
}

// True when some prefix map replaces the whole cwd. A map whose old part is a shorter prefix of
// the cwd leaves the rest of the cwd in the output, and clang and gcc pick among several matching
// maps differently, so every matching map must name the cwd exactly.
bool prefix_maps_cover(const std::vector<std::string>& olds, std::string_view cwd) {
  auto trim = [](std::string_view p) {
    while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
    return p;
  };
  std::string_view want = trim(cwd);
  bool covered = false;
  for (const std::string& old : olds) {
    if (cwd.substr(0, old.size()) != old) continue;  // gcc and clang compare plain text prefixes
    if (trim(old) != want) return false;
    covered = true;
  }
  return covered;
}

// Applies one option's meaning to the scan. `value` is its argument (joined or separate).
void apply_option(Family family, const OptionInfo& info, std::string_view arg, std::string_view value,
                  Scan& scan, Role& role) {
  switch (info.kind) {
    case OptionKind::kPlain:
      break;
    case OptionKind::kUnsupported:
      scan.unsupported = true;
      break;
    case OptionKind::kCompile:
      scan.compile = true;
      role = Role::kCompile;
      break;
    case OptionKind::kAssemble:
      scan.assemble = true;
      role = Role::kCompile;
      break;
    case OptionKind::kPreprocess:
      scan.preprocess = true;
      break;
    // An empty name (found by fuzzing): gcc fails, but clang writes the object under its default
    // name and the depfile as ".d" (-o ""), or no depfile at all (-MF ""). Not modelled.
    case OptionKind::kOutput:
      if (value.empty()) scan.unsupported = true;
      scan.output = std::string(value);
      role = Role::kOutput;
      break;
    case OptionKind::kDepMD:
      scan.md = true;
      role = Role::kDepfile;
      break;
    case OptionKind::kDepMMD:
      scan.mmd = true;
      role = Role::kDepfile;
      break;
    case OptionKind::kDepMF:
      if (value.empty()) scan.unsupported = true;
      scan.mf = std::string(value);
      role = Role::kDepfile;
      break;
    case OptionKind::kDepMT:
    case OptionKind::kDepMQ:
      scan.dep_targets.push_back({std::string(value), info.kind == OptionKind::kDepMQ});
      role = Role::kDepfile;
      break;
    case OptionKind::kDepMP:
      scan.mp = true;
      role = Role::kDepfile;
      break;
    case OptionKind::kLanguage:
      break;  // handled by the caller, which tracks the -x in force
    case OptionKind::kArch:
      ++scan.arch_count;
      break;
    case OptionKind::kInformational:
      scan.informational = true;
      break;
    case OptionKind::kSaveTemps:
      scan.save_temps = true;
      break;
    case OptionKind::kProfile:
      scan.profile = true;
      break;
    case OptionKind::kColor:
      scan.color = true;
      break;
    case OptionKind::kDebug:
      if (!apply_debug_option(family, arg.substr(2), scan.debug)) scan.unsupported = true;
      break;
    case OptionKind::kPrefixMap: {
      size_t eq = value.find('=');
      if (eq != std::string_view::npos) scan.prefix_map_olds.emplace_back(value.substr(0, eq));
      break;
    }
    case OptionKind::kDebugDir:
      // Only clang has these; for gcc they are errors and the compile is not stored anyway.
      scan.debug_dir = true;
      break;
    case OptionKind::kStackUsage:
      scan.stack_usage = true;
      break;
    case OptionKind::kNoStackUsage:
      scan.stack_usage = false;
      break;
    case OptionKind::kRecordSwitches:
      scan.record_switches = true;
      break;
    case OptionKind::kNoRecordSwitches:
      scan.record_switches = false;
      break;
    // The joined forms (-Wp,a,b / -Wa,a,b) split at commas; -Xpreprocessor/-Xassembler pass one
    // argument whole.
    case OptionKind::kPreprocessorArgs:
      if (!preprocessor_args_ok(value, (info.flags & kJoined) != 0 ? ',' : '\0')) scan.unsupported = true;
      break;
    case OptionKind::kAssemblerArgs:
      if (!assembler_args_ok(value, (info.flags & kJoined) != 0 ? ',' : '\0')) scan.unsupported = true;
      break;
    case OptionKind::kClangArgs:
      if (!clang_cc1_arg_ok(value)) scan.unsupported = true;
      if (is_color_option(value)) scan.color = true;
      break;
  }
}

Scan scan_args(Family family, const std::vector<std::string>& args, ExtraOptions extra) {
  Scan scan;
  scan.roles.assign(args.size(), Role::kKeep);
  std::string x_language;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.empty() || arg[0] != '-' || arg == "-") {
      if (arg.size() > 1 && arg[0] == '@') scan.unread_response_file = true;  // left literal: unreadable
      scan.inputs.push_back({i, x_language});
      scan.roles[i] = Role::kSource;
      continue;
    }
    OptionMatch match = extra ? extra(args, i) : OptionMatch{};
    if (match.info == nullptr) match = find_option(arg);
    if (match.info == nullptr) {
      scan.unsupported = true;  // we cannot tell whether it takes the next argument, or what it writes
      continue;
    }
    const OptionInfo& info = *match.info;
    std::string_view value;
    bool separate = match.exact && (info.flags & kSeparate) != 0;
    if (separate) {
      if (i + 1 >= args.size()) {
        scan.unsupported = true;  // the driver reports the missing argument
        continue;
      }
      value = args[i + 1];
    } else {
      value = match.joined;
    }
    Role role = Role::kKeep;
    apply_option(family, info, arg, value, scan, role);
    if (info.kind == OptionKind::kLanguage) {
      x_language = value == "none" ? "" : std::string(value);
      scan.last_language_index = i;
    }
    scan.roles[i] = role;
    if (separate) scan.roles[++i] = role;
  }
  return scan;
}

// The reason an invocation cannot be cached, in priority order, or kNone.
Passthrough passthrough_reason(const Scan& scan, const std::vector<std::string>& args,
                               const std::vector<std::string>& env) {
  if (scan.unread_response_file) return Passthrough::kResponseFile;
  if (scan.informational) return Passthrough::kInformational;
  if (scan.preprocess) return Passthrough::kPreprocessOnly;  // -E wins over -S and -c in both drivers
  if (scan.assemble) return Passthrough::kAssemblyOutput;
  if (!scan.compile) return Passthrough::kLinking;
  if (scan.save_temps) return Passthrough::kSaveTemps;
  if (scan.profile) return Passthrough::kProfileGenerate;
  if (scan.arch_count > 1) return Passthrough::kMultipleArch;
  if (scan.unsupported) return Passthrough::kUnsupportedOption;
  for (const Input& in : scan.inputs) {
    if (args[in.index] == "-") return Passthrough::kStdinInput;
    if (args[in.index].empty()) return Passthrough::kMissingSource;  // "" names no file; the driver says so
  }
  if (scan.inputs.empty()) return Passthrough::kNoSource;
  for (const std::string& e : env) {
    // Both drivers write an extra depfile named by these (gcc's cpp, clang's driver).
    if (e.starts_with("DEPENDENCIES_OUTPUT=") || e.starts_with("SUNPRO_DEPENDENCIES=")) {
      return Passthrough::kDependencyEnv;
    }
  }
  // "-o -" and "-MF -" write to stdout, which we do not capture as a file.
  if (scan.output && *scan.output == "-") return Passthrough::kOutputNotRegular;
  if (scan.mf && *scan.mf == "-" && (scan.md || scan.mmd)) return Passthrough::kOutputNotRegular;
  return Passthrough::kNone;
}

Plan plan_expanded(Family family, std::vector<std::string> args, std::string_view cwd,
                   const std::vector<std::string>& env, ExtraOptions extra);

// Several sources with -c: both drivers compile each source as if it were alone (no -o, so each
// object is named after its source) and go on after one fails. Each unit is planned from the
// arguments without the other sources, which is what a single-source compile of it would get.
void plan_units(Family family, const Scan& scan, std::string_view cwd, const std::vector<std::string>& env,
                ExtraOptions extra, Plan& plan) {
  // -o with several sources is the driver's error to report; -MF and -MT/-MQ would name one
  // depfile or target for all; an -x after the first source gives the sources different
  // languages through its position, which dropping sources from argv would not keep.
  if (scan.output || scan.mf || !scan.dep_targets.empty() || scan.last_language_index > scan.inputs.front().index) {
    plan.passthrough = Passthrough::kMultipleSources;
    return;
  }
  std::set<std::string> objects;
  for (const Input& input : scan.inputs) {
    std::vector<std::string> unit_args;
    unit_args.reserve(plan.args.size() - scan.inputs.size() + 1);
    for (size_t i = 0, next = 0; i < plan.args.size(); ++i) {
      bool is_input = next < scan.inputs.size() && scan.inputs[next].index == i;
      if (is_input) ++next;
      if (!is_input || i == input.index) unit_args.push_back(plan.args[i]);
    }
    Plan unit = plan_expanded(family, std::move(unit_args), cwd, env, extra);
    if (unit.passthrough != Passthrough::kNone) {
      plan.passthrough = unit.passthrough;
      plan.units.clear();
      plan.unit_arg_indexes.clear();
      return;
    }
    // Two sources with one basename write one object (and depfile) twice: the last one wins.
    if (!objects.insert(unit.object).second) {
      plan.passthrough = Passthrough::kMultipleSources;
      plan.units.clear();
      plan.unit_arg_indexes.clear();
      return;
    }
    plan.units.push_back(std::move(unit));
    plan.unit_arg_indexes.push_back(static_cast<uint32_t>(input.index));
  }
}

Plan plan_expanded(Family family, std::vector<std::string> args, std::string_view cwd,
                   const std::vector<std::string>& env, ExtraOptions extra) {
  Plan plan;
  plan.family = family;
  plan.args = std::move(args);

  Scan scan = scan_args(family, plan.args, extra);
  plan.passthrough = passthrough_reason(scan, plan.args, env);
  if (plan.passthrough != Passthrough::kNone) return plan;
  if (scan.inputs.size() > 1) {
    plan_units(family, scan, cwd, env, extra, plan);
    return plan;
  }

  const Input& input = scan.inputs.front();
  plan.source = plan.args[input.index];
  plan.language = input.x_language.empty() ? language_of_extension(plan.source) : input.x_language;
  if (!is_cacheable_language(plan.language)) {
    plan.passthrough = Passthrough::kUnknownLanguage;
    return plan;
  }

  // Without -o both drivers write basename(source) with its extension replaced, in the cwd.
  plan.object = scan.output ? *scan.output : replace_extension(basename_of(plan.source), ".o");

  // gcc passes -MMD after -MD whatever the order, and clang 14 behaves the same: any -MMD wins.
  // Preprocessed input (.i/.ii) is not preprocessed again, and neither driver writes a depfile.
  bool preprocessed = plan.language == "cpp-output" || plan.language == "c++-cpp-output";
  if ((scan.md || scan.mmd) && !preprocessed) {
    plan.depfile.requested = true;
    plan.depfile.system_headers = !scan.mmd;
    if (scan.mf) {
      plan.depfile.path = *scan.mf;
    } else if (scan.output) {
      plan.depfile.path = replace_extension(*scan.output, ".d");
    } else {
      plan.depfile.path = replace_extension(basename_of(plan.source), ".d");
    }
    plan.depfile.targets = depfile_targets(family, scan.dep_targets, plan.object);
    plan.depfile.phony_targets = scan.mp;
  }

  // -gsplit-dwarf: gcc writes the .dwo whenever the flag is on (even with -g0); clang only when
  // debug info is on, except for assembler sources, where it always does. Both name it after the
  // object: x/a.o -> x/a.dwo, no -o -> stem.dwo.
  bool assembler = plan.language == "assembler-with-cpp";
  bool split_dwarf = scan.debug.split_dwarf && (family == Family::kGcc || scan.debug.level_on || assembler);
  if (family == Family::kClang && scan.debug.split_dwarf && !split_dwarf && scan.debug.unknown_option) {
    plan.passthrough = Passthrough::kUnsupportedOption;  // cannot tell whether clang writes a .dwo
    return plan;
  }
  if (split_dwarf) plan.extra_outputs.push_back(replace_extension(plan.object, ".dwo"));
  // -fstack-usage: gcc writes <object stem>.su for every C-family source (empty when there are no
  // functions) and none for assembler. clang 14 writes it only when the TU defines a function, so
  // the set of outputs depends on the source text: not cached.
  if (scan.stack_usage && family == Family::kClang) {
    plan.passthrough = Passthrough::kUnsupportedOption;
    return plan;
  }
  if (scan.stack_usage && !assembler) plan.extra_outputs.push_back(replace_extension(plan.object, ".su"));

  // The skeleton object names its .dwo, and clang's recorded command line holds -o and the cwd
  // (gcc's -frecord-gcc-switches leaves both out): then the output name is part of the key.
  bool clang_records = family == Family::kClang && (scan.record_switches || scan.debug.record_command_line);
  bool output_in_key = split_dwarf || clang_records;

  for (size_t i = 0; i < plan.args.size(); ++i) {
    Role role = scan.roles[i];
    if (role == Role::kKeep || role == Role::kCompile || (role == Role::kOutput && output_in_key)) {
      plan.key_args.push_back(plan.args[i]);
    }
    if (role == Role::kKeep) plan.probe_args.push_back(plan.args[i]);
  }

  // -gsplit-dwarf without a -g level writes an (empty) .dwo but no comp_dir: checked by
  // parse_compiler_test for .c and .S with both compilers.
  bool debug_info = scan.debug.level_on || scan.debug.unknown_option;
  bool cwd_mapped = scan.debug_dir || prefix_maps_cover(scan.prefix_map_olds, cwd);
  plan.cwd_matters = (debug_info && !cwd_mapped) || clang_records;
  plan.color_explicit = scan.color;
  return plan;
}

}  // namespace

Plan make_plan(Family family, const std::vector<std::string>& args, std::string_view cwd,
               const std::vector<std::string>& env, FileReader& reader, ExtraOptions extra) {
  if (family != Family::kGcc && family != Family::kClang) {
    Plan plan;
    plan.family = family;
    plan.args = args;
    plan.passthrough = Passthrough::kUnknownCompiler;
    return plan;
  }
  std::optional<std::vector<std::string>> expanded = expand_response_files(args, cwd, reader, family);
  if (!expanded) {
    Plan plan;
    plan.family = family;
    plan.args = args;
    plan.passthrough = Passthrough::kResponseFile;
    return plan;
  }
  return plan_expanded(family, std::move(*expanded), cwd, env, extra);
}

}  // namespace zccache::tools::gcc_clang
