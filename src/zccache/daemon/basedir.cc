#include "zccache/daemon/basedir.h"

#include <algorithm>
#include <array>

#include "zccache/daemon/request_key.h"
#include "zccache/tools/depfile.h"

namespace zccache::daemon {
namespace {

// In the key only: a byte no command line holds, so that a relocated "-I<BASEDIR>/include" never
// equals a user's literal relative "-Iinclude" (their outputs differ: only the first is remapped).
constexpr std::string_view kMarker = "\x01<BASEDIR>";

// Options taking a path, as a separate argument or joined ("-I/x", "--sysroot=/x"). Longest
// first, so that "-include" is not read as "-I" + "nclude".
constexpr std::array<std::string_view, 14> kPathOptions = {
    "-iwithprefixbefore", "-iwithprefix", "-idirafter", "-isysroot", "--sysroot=", "--sysroot", "-isystem",
    "-include", "-imacros", "-iprefix", "-iquote", "-I", "-B", "-L"};
constexpr std::array<std::string_view, 3> kPrefixMaps = {"-ffile-prefix-map=", "-fdebug-prefix-map=",
                                                         "-fmacro-prefix-map="};
constexpr std::array<std::string_view, 3> kRecordsCommandLine = {"-frecord-command-line", "-grecord-command-line",
                                                                 "-frecord-gcc-switches"};

// `path` is `dir` or below it (text, on component boundaries).
bool is_under(std::string_view path, std::string_view dir) {
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

std::string_view trim_slashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  return p;
}

// "<marker>/rel" for a path under basedir (a trailing '/' kept: it matters to prefix maps).
std::string marked(std::string_view path, std::string_view basedir) {
  return std::string(kMarker).append(path.substr(basedir.size()));
}

// Relative path from directory `from` to `to`, both absolute and normalised.
std::string relative(std::string_view to, std::string_view from) {
  auto split = [](std::string_view p) {
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos < p.size()) {
      size_t next = p.find('/', pos);
      if (next == std::string_view::npos) next = p.size();
      if (next > pos) parts.push_back(p.substr(pos, next - pos));
      pos = next + 1;
    }
    return parts;
  };
  auto t = split(to), f = split(from);
  size_t common = 0;
  while (common < t.size() && common < f.size() && t[common] == f[common]) ++common;
  std::string out;
  for (size_t i = common; i < f.size(); ++i) out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < t.size(); ++i) {
    if (!out.empty()) out += '/';
    out.append(t[i]);
  }
  return out.empty() ? "." : out;
}

// True when make escaping leaves `path` as it is, and nothing in it can end a depfile name:
// the marker can then stand for it in escaped names, and any length of it renders alike.
bool plain_for_depfile(std::string_view path) {
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f || std::string_view(" $#\\:").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  }
  return true;
}

// Where args[i] is the value of a path option (kPathOptions), separate or joined: the offset of
// the value in it.
std::optional<size_t> path_option_value(const std::vector<std::string>& args, size_t i) {
  if (i > 0 && std::find(kPathOptions.begin(), kPathOptions.end(), args[i - 1]) != kPathOptions.end()) return 0;
  std::string_view a = args[i];
  for (std::string_view opt : kPathOptions) {
    if (a.size() > opt.size() && a.substr(0, opt.size()) == opt) return opt.size();
  }
  return std::nullopt;
}

struct PrefixMap {
  std::string_view kind;  // one of kPrefixMaps
  std::string_view old_part;
  std::string_view new_part;
};

std::vector<PrefixMap> prefix_maps(const std::vector<std::string>& args) {
  std::vector<PrefixMap> maps;
  for (const auto& a : args) {
    for (std::string_view kind : kPrefixMaps) {
      if (std::string_view(a).substr(0, kind.size()) != kind) continue;
      std::string_view value = std::string_view(a).substr(kind.size());
      size_t eq = value.find('=');
      maps.push_back({kind, value.substr(0, eq), eq == std::string_view::npos ? "" : value.substr(eq + 1)});
    }
  }
  return maps;
}

}  // namespace

std::string basedir_from_env(const std::vector<std::string>& env) {
  const char* v = find_env(env, kBasedirEnv);
  if (!v) return {};
  std::string_view dir = trim_slashes(v);
  if (dir.empty() || dir[0] != '/' || dir == "/") return {};
  std::string with_slash = std::string(dir) + "/";
  if (with_slash.find("/./") != std::string::npos || with_slash.find("/../") != std::string::npos ||
      with_slash.find("//") != std::string::npos)
    return {};
  return std::string(dir);
}

bool relocatable(const tools::Plan& plan, std::string_view cwd, std::string_view basedir) {
  if (basedir.empty() || !is_under(trim_slashes(cwd), basedir)) return false;
  if (!plan.extra_outputs.empty()) return false;
  if (plan.depfile.requested && !plain_for_depfile(basedir)) return false;
  for (const auto& a : plan.key_args) {
    for (std::string_view flag : kRecordsCommandLine)
      if (a == flag) return false;
  }
  bool file_covered = false, debug_covered = false;
  for (const PrefixMap& m : prefix_maps(plan.key_args)) {
    std::string_view old_part = trim_slashes(m.old_part);
    bool exact = old_part == basedir;
    bool overlaps = std::string_view(basedir).substr(0, m.old_part.size()) == m.old_part || is_under(old_part, basedir);
    if (!exact && overlaps) return false;
    if (!exact) continue;
    if (!m.new_part.empty() && m.new_part[0] == '/' && is_under(trim_slashes(m.new_part), basedir)) return false;
    if (m.kind != "-fdebug-prefix-map=") file_covered = true;
    if (m.kind != "-fmacro-prefix-map=") debug_covered = true;
  }
  return file_covered && debug_covered;
}

RelocatedKeyParts relocate_for_key(const tools::Plan& plan, std::string_view cwd, const std::vector<std::string>& env,
                                   std::string_view basedir) {
  RelocatedKeyParts out{plan, marked(trim_slashes(cwd), basedir), env};
  auto relocate_value = [&](std::string_view value) -> std::optional<std::string> {
    if (is_under(trim_slashes(value), basedir)) return marked(value, basedir);
    return std::nullopt;
  };
  std::vector<std::string>& args = out.plan.key_args;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (auto at = path_option_value(args, i); at && *at == 0) {  // the value of "-I" "/x"
      if (auto r = relocate_value(a)) args[i] = *r;
      continue;
    }
    std::optional<std::string> rewritten;
    for (std::string_view kind : kPrefixMaps) {
      if (a.substr(0, kind.size()) != kind) continue;
      std::string_view value = a.substr(kind.size());
      size_t eq = value.find('=');
      if (auto r = relocate_value(value.substr(0, eq))) {
        rewritten = std::string(kind) + *r + (eq == std::string_view::npos ? "" : std::string(value.substr(eq)));
      }
      break;
    }
    for (std::string_view opt : kPathOptions) {
      if (rewritten || a.size() <= opt.size() || a.substr(0, opt.size()) != opt) continue;
      if (auto r = relocate_value(a.substr(opt.size()))) rewritten = std::string(opt) + *r;
      break;
    }
    if (rewritten) args[i] = std::move(*rewritten);
  }
  if (auto r = relocate_value(plan.source)) out.plan.source = *r;
  out.plan.cwd_matters = true;  // the include set's relative paths are relative to it
  for (std::string& e : out.env) {
    if (e.rfind("PWD=", 0) != 0) continue;
    if (auto r = relocate_value(std::string_view(e).substr(4))) e = "PWD=" + *r;
  }
  return out;
}

hash::Digest relocated_request_key(const KeyInputs& in, std::string_view basedir) {
  RelocatedKeyParts parts = relocate_for_key(*in.plan, in.cwd, *in.env, basedir);
  KeyInputs relocated = in;
  relocated.plan = &parts.plan;
  relocated.cwd = parts.cwd;
  relocated.env = &parts.env;
  return request_key(relocated);
}

namespace {

// The paths under the base directory that relocated arguments lead to (see basedir.h): the
// source's directory and the path options' values, absolute. A name starting with one of them
// moves with the checkout.
std::vector<std::string> anchors(const tools::Plan& plan, std::string_view basedir) {
  std::vector<std::string> out;
  auto add = [&](std::string_view path) {
    path = trim_slashes(path);
    if (!path.empty() && path[0] == '/' && is_under(path, basedir)) out.emplace_back(path);
  };
  if (!plan.source.empty() && plan.source[0] == '/') {
    add(plan.source.substr(0, plan.source.rfind('/')));
  }
  for (size_t i = 0; i < plan.key_args.size(); ++i) {
    if (auto at = path_option_value(plan.key_args, i)) add(std::string_view(plan.key_args[i]).substr(*at));
  }
  return out;
}

bool led_to(std::string_view path, const std::vector<std::string>& anchors) {
  return std::any_of(anchors.begin(), anchors.end(), [&](const std::string& a) { return is_under(path, a); });
}

}  // namespace

bool relocate_entry(store::IncludeSet& set, store::ResultEntry& entry, const std::vector<std::string>& dep_paths,
                    const tools::Plan& plan, std::string_view cwd, std::string_view basedir) {
  if (mentions_basedir(entry.stdout_data, basedir) || mentions_basedir(entry.stderr_data, basedir)) return false;
  // Relative names move with the working directory, which the key pins relative to the base.
  const std::vector<std::string> led = anchors(plan, basedir);
  for (const std::string& dep : dep_paths) {
    if (!dep.empty() && dep[0] == '/' && is_under(dep, basedir) && !led_to(dep, led)) return false;
  }
  if (entry.has_depfile) {
    // Rendered again for every checkout, so our model must reproduce the compiler's bytes.
    if (!entry.renderable || !plain_for_depfile(basedir)) return false;
    for (std::string& dep : entry.depfile_deps) {
      if (dep.find(kDepfileBasedirMarker) != std::string::npos) return false;
      std::string name = tools::unescape_depfile_name(dep);
      if (name.empty() || name[0] != '/' || !is_under(name, basedir)) continue;
      if (dep.compare(0, basedir.size(), basedir) != 0) return false;  // cannot be: basedir is plain
      dep = std::string(kDepfileBasedirMarker).append(dep, basedir.size());
    }
    // The verbatim bytes name this checkout: never delivered (depfile_relocated), and kept off
    // the shared remote.
    entry.depfile_bytes = tools::render_depfile(plan.family, entry.depfile_targets, entry.depfile_deps,
                                                entry.phony_targets);
  }
  relativize_include_set(set, cwd, basedir);
  return true;
}

bool depfile_relocated(const store::ResultEntry& entry) {
  return std::any_of(entry.depfile_deps.begin(), entry.depfile_deps.end(),
                     [](const std::string& d) { return d.starts_with(kDepfileBasedirMarker); });
}

std::optional<std::vector<std::string>> localized_depfile_deps(const store::ResultEntry& entry,
                                                               std::string_view basedir) {
  if (basedir.empty() || !plain_for_depfile(basedir)) return std::nullopt;
  std::vector<std::string> deps = entry.depfile_deps;
  for (std::string& dep : deps) {
    if (dep.starts_with(kDepfileBasedirMarker)) dep = std::string(basedir).append(dep, kDepfileBasedirMarker.size());
  }
  return deps;
}

void relativize_include_set(store::IncludeSet& set, std::string_view cwd, std::string_view basedir) {
  std::string_view dir = trim_slashes(cwd);
  auto fix = [&](std::string& path) {
    if (!path.empty() && path[0] == '/' && is_under(path, basedir)) path = relative(path, dir);
  };
  for (auto& f : set.files) fix(f.path);
  for (auto& d : set.dirs) fix(d.path);
}

bool mentions_basedir(std::string_view text, std::string_view basedir) {
  return !basedir.empty() && text.find(basedir) != std::string_view::npos;
}

}  // namespace zccache::daemon
