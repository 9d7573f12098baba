#include "zccache/tools/link/direct.h"

#include "zccache/tools/link/linker_options.h"

namespace zccache::tools::link {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// An object, archive or shared library. Anything else could be a linker script, whose INPUT,
// GROUP and SEARCH_DIR commands search where the plan does not look.
bool direct_input(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  if (name.find(".so.") != std::string_view::npos) return true;
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view ext = name.substr(dot + 1);
  return ext == "o" || ext == "a" || ext == "so" || ext == "obj" || ext == "lo";
}

// "-o x", "--output=x", "--output x" (and the one-dash long forms), and with `joined` "-ox": the
// value and its slot. `longname` without dashes; `letter` the one-letter form. The joined form is
// tried only after the long options (lld takes the longest matching name: -export-all is not -e).
bool take_value(const std::vector<std::string>& args, size_t& i, char letter, std::string_view longname, bool joined,
                std::string& value, ArgSlot& slot, bool& matched) {
  const std::string& a = args[i];
  matched = false;
  size_t dashes = starts_with(a, "--") ? 2 : 1;
  std::string_view body = std::string_view(a).substr(dashes);
  if (body == longname || (dashes == 1 && body.size() == 1 && body[0] == letter)) {
    matched = true;
    if (i + 1 >= args.size()) return false;
    ++i;
    value = args[i];
    slot = ArgSlot{i, 0, value.size()};
    return !value.empty();
  }
  if (starts_with(body, longname) && body.size() > longname.size() && body[longname.size()] == '=') {
    matched = true;
    size_t offset = dashes + longname.size() + 1;
    value = a.substr(offset);
    slot = ArgSlot{i, offset, value.size()};
    return !value.empty();
  }
  if (joined && dashes == 1 && body.size() > 1 && body[0] == letter) {
    matched = true;
    value = a.substr(2);
    slot = ArgSlot{i, 2, value.size()};
    return true;
  }
  return false;
}

}  // namespace

std::optional<LldFlavor> lld_flavor(std::string_view name) {
  // Drop a version suffix: "-14", "-14.0".
  size_t dash = name.rfind('-');
  if (dash != std::string_view::npos && dash + 1 < name.size() && name[dash + 1] >= '0' && name[dash + 1] <= '9') {
    name = name.substr(0, dash);
  }
  if (name == "ld.lld") return LldFlavor::kElf;
  if (name == "wasm-ld") return LldFlavor::kWasm;
  return std::nullopt;
}

LinkPlan make_direct_link_plan(LldFlavor flavor, const std::vector<std::string>& args) {
  LinkPlan plan;
  plan.linker.clear();
  auto refuse = [&](Passthrough reason) {
    plan.passthrough = reason;
    return plan;
  };
  const LinkerSyntax syntax = flavor == LldFlavor::kWasm ? LinkerSyntax::kWasm : LinkerSyntax::kGnu;
  std::vector<LinkerToken> tokens;
  tokens.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) tokens.push_back(LinkerToken{args[i], ArgSlot{i, 0, args[i].size()}});
  bool output_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a == "-") return refuse(Passthrough::kLinkUnsupported);
    if (a[0] == '@') return refuse(Passthrough::kResponseFile);  // left literal: unreadable
    if (a[0] != '-') {
      if (!direct_input(a)) return refuse(Passthrough::kLinkUnsupported);
      plan.inputs.push_back(a);
      continue;
    }
    std::string value;
    ArgSlot slot;
    bool matched = false;
    for (bool joined : {false, true}) {
      bool ok = take_value(args, i, 'o', "output", joined, value, slot, matched);
      if (matched) {
        if (!ok || output_given) return refuse(Passthrough::kLinkUnsupported);
        output_given = true;
        plan.output = value;
        plan.output_slot = slot;
        break;
      }
      ok = take_value(args, i, 'L', "library-path", joined, value, slot, matched);
      if (matched) {
        if (!ok) return refuse(Passthrough::kLinkUnsupported);
        plan.lib_dirs.push_back(value);
        break;
      }
      ok = take_value(args, i, 'l', "library", joined, value, slot, matched);
      if (matched) {
        // -l:name takes a file of any name, which the search-order check does not cover.
        if (!ok || value[0] == ':') return refuse(Passthrough::kLinkUnsupported);
        break;
      }
      if (joined) return refuse(Passthrough::kLinkUnsupported);
      size_t n = accept_linker_option(tokens, i, syntax, plan);
      if (n > 0) {
        i += n - 1;
        matched = true;
        break;
      }
    }
  }
  if (plan.inputs.empty()) return refuse(Passthrough::kNoSource);
  return plan;
}

}  // namespace zccache::tools::link
