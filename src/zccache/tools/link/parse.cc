#include "zccache/tools/link/parse.h"

#include <string_view>

#include "zccache/tools/gcc_clang/options.h"
#include "zccache/tools/link/linker_options.h"

namespace zccache::tools::link {
namespace {

using gcc_clang::OptionKind;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A file the driver hands to the linker as it is: an object, an archive, a shared library, or a
// name without an extension (gcc passes unknown names to the linker). A source file would be
// compiled inside the link through temporary files whose names the dependency file would record.
bool linker_input(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  if (name.find(".so.") != std::string_view::npos) return true;
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return true;
  std::string_view ext = name.substr(dot + 1);
  return ext == "o" || ext == "a" || ext == "so" || ext == "lo";
}

// Driver options that change which linker runs, which files it finds or what it loads, beyond
// what the dependency file and the key cover.
bool driver_option_unsupported(std::string_view a) {
  for (std::string_view p : {"-fuse-ld", "--ld-path", "-B", "-specs", "--specs", "-flto", "-fwhole-program",
                             "-fplugin", "--sysroot", "-isysroot", "-target", "--target", "--gcc-toolchain",
                             "-T", "-Wl,", "-Xlinker", "-m32", "-mx32", "-m16", "-miamcu", "-print", "-dump",
                             "-save-temps", "-x", "--coverage", "-fprofile", "-wrapper", "-fuse-linker-plugin",
                             "-Xassembler", "-Xpreprocessor", "-Xclang", "-Wa,", "-Wp,", "-M", "-E", "-S",
                             "-c", "-v", "-###", "--help", "--version", "-shared-libgcc", "-nolibc"}) {
    if (starts_with(a, p)) return true;
  }
  return false;
}

}  // namespace

LinkPlan make_link_plan(const std::vector<std::string>& args) {
  LinkPlan plan;
  auto refuse = [&](Passthrough reason) {
    plan.passthrough = reason;
    return plan;
  };
  std::vector<LinkerToken> linker_tokens;
  bool output_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](size_t prefix_len) -> const std::string* {
      if (a.size() > prefix_len) return nullptr;  // joined: the caller uses a.substr
      return i + 1 < args.size() ? &args[++i] : nullptr;
    };
    if (a.empty() || a == "-") return refuse(Passthrough::kLinkUnsupported);
    if (a[0] == '@') return refuse(Passthrough::kResponseFile);  // left literal: unreadable
    if (a[0] != '-') {
      if (!linker_input(a)) return refuse(Passthrough::kLinkUnsupported);
      plan.inputs.push_back(a);
      continue;
    }
    if (starts_with(a, "-o")) {
      if (output_given) return refuse(Passthrough::kLinkUnsupported);
      output_given = true;
      const std::string* v = value(2);
      if (a.size() == 2 && !v) return refuse(Passthrough::kLinkUnsupported);
      plan.output = v ? *v : a.substr(2);
      plan.output_slot = v ? ArgSlot{i, 0, v->size()} : ArgSlot{i, 2, a.size() - 2};
      continue;
    }
    if (starts_with(a, "-L")) {
      const std::string* v = value(2);
      if (a.size() == 2 && !v) return refuse(Passthrough::kLinkUnsupported);
      plan.lib_dirs.push_back(v ? *v : a.substr(2));
      continue;
    }
    if (starts_with(a, "-l")) {
      const std::string* v = value(2);
      if (a.size() == 2 && !v) return refuse(Passthrough::kLinkUnsupported);
      // -l:name takes a file of any name, which the search-order check does not cover.
      std::string_view name = v ? std::string_view(*v) : std::string_view(a).substr(2);
      if (name.empty() || name[0] == ':') return refuse(Passthrough::kLinkUnsupported);
      continue;
    }
    if (starts_with(a, "-Wl,")) {
      split_wl(a, i, linker_tokens);
      continue;
    }
    if (a == "-Xlinker") {
      if (i + 1 >= args.size()) return refuse(Passthrough::kLinkUnsupported);
      ++i;
      linker_tokens.push_back(LinkerToken{args[i], ArgSlot{i, 0, args[i].size()}});
      continue;
    }
    if (starts_with(a, "-fuse-ld=")) {
      // The linkers whose dependency file we read; the daemon resolves ld.<name> as the driver does.
      std::string_view name = std::string_view(a).substr(9);
      if (name != "lld" && name != "gold" && name != "bfd") return refuse(Passthrough::kLinkUnsupported);
      plan.linker = "ld." + std::string(name);
      continue;
    }
    if (a == "-shared" || a == "-static" || a == "-pie" || a == "-no-pie" || a == "-static-pie" ||
        a == "-rdynamic" || a == "-s" || a == "-r" || a == "-pthread" || a == "-static-libgcc" ||
        a == "-static-libstdc++" || a == "-nostdlib" || a == "-nostartfiles" || a == "-nodefaultlibs") {
      continue;
    }
    if (a == "-z" || a == "-u" || a == "-e") {
      if (i + 1 >= args.size()) return refuse(Passthrough::kLinkUnsupported);
      ++i;
      continue;
    }
    if (driver_option_unsupported(a)) return refuse(Passthrough::kLinkUnsupported);
    // Compile options are accepted (and ignored) by a link: the option table knows their arity.
    gcc_clang::OptionMatch match = gcc_clang::find_option(a);
    if (!match.info) return refuse(Passthrough::kLinkUnsupported);
    switch (match.info->kind) {
      case OptionKind::kPlain:
      case OptionKind::kDebug:
      case OptionKind::kPrefixMap:
      case OptionKind::kDebugDir:
      case OptionKind::kColor:
      case OptionKind::kRecordSwitches:
      case OptionKind::kNoRecordSwitches:
      case OptionKind::kStackUsage:
      case OptionKind::kNoStackUsage:
        break;
      default:
        return refuse(Passthrough::kLinkUnsupported);
    }
    if (match.exact && (match.info->flags & gcc_clang::kSeparate) != 0) {
      if (i + 1 >= args.size()) return refuse(Passthrough::kLinkUnsupported);
      ++i;
    }
  }
  if (plan.inputs.empty()) return refuse(Passthrough::kNoSource);
  if (!accept_linker_tokens(linker_tokens, LinkerSyntax::kGnu, plan)) return refuse(Passthrough::kLinkUnsupported);
  return plan;
}

ArPlan make_ar_plan(const std::vector<std::string>& args, bool default_deterministic) {
  ArPlan plan;
  auto refuse = [&](Passthrough reason) {
    plan.passthrough = reason;
    return plan;
  };
  // The first argument holds the operation and its modifiers; long options (--plugin, --target,
  // --output, ...) and a separate modifier word are not modelled.
  if (args.size() < 3) return refuse(Passthrough::kArchiveMode);
  std::string_view ops = args[0];
  if (starts_with(ops, "-")) ops.remove_prefix(1);
  if (ops.empty() || (ops[0] != 'r' && ops[0] != 'q')) return refuse(Passthrough::kArchiveMode);
  bool unstable = false;
  for (char c : ops.substr(1)) {
    switch (c) {
      case 'c':  // no "creating" warning
      case 's':  // symbol index
      case 'S':  // no symbol index
      case 'v':  // verbose: printed output depends only on the keyed inputs
        break;
      case 'D':
        plan.explicit_deterministic = true;
        break;
      case 'U':
        unstable = true;
        break;
      default:  // u (compares timestamps), T (thin: refers to files), P, a/b/i (positional), N, o, ...
        return refuse(Passthrough::kArchiveMode);
    }
  }
  if (unstable || (!plan.explicit_deterministic && !default_deterministic)) return refuse(Passthrough::kArchiveMode);
  plan.archive = args[1];
  for (size_t i = 2; i < args.size(); ++i) {
    if (args[i].empty() || args[i][0] == '-' || args[i][0] == '@') return refuse(Passthrough::kArchiveMode);
    plan.members.push_back(args[i]);
  }
  return plan;
}

}  // namespace zccache::tools::link
