#include "zccache/tools/rustc/dep_info.h"

#include <set>

namespace zccache::tools::rustc {
namespace {

std::optional<std::string> unescape_env(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\') {
      out += v[i];
      continue;
    }
    if (++i == v.size()) return std::nullopt;
    switch (v[i]) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      default: return std::nullopt;
    }
  }
  return out;
}

// Splits a rule's prerequisites at unescaped spaces.
std::vector<std::string> split_paths(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == ' ') {
      cur += ' ';
      ++i;
    } else if (s[i] == ' ') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += s[i];
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::optional<DepInfo> parse_dep_info(std::string_view text) {
  DepInfo info;
  std::set<std::string> seen;
  bool any_rule = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    if (line[0] == '#') {
      constexpr std::string_view kEnv = "# env-dep:";
      if (line.substr(0, kEnv.size()) != kEnv) continue;  // other comments (checksums) carry no input
      line.remove_prefix(kEnv.size());
      size_t eq = line.find('=');
      EnvDep dep{std::string(line.substr(0, eq)), std::nullopt};
      if (eq != std::string_view::npos) {
        dep.value = unescape_env(line.substr(eq + 1));
        if (!dep.value) return std::nullopt;
      }
      info.env.push_back(std::move(dep));
      continue;
    }
    // "target: prereq prereq" or "prereq:" (the separator is the first ": ", or the ':' that
    // ends the line).
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) {
      if (line.back() != ':') return std::nullopt;
      colon = line.size() - 1;
    }
    any_rule = true;
    std::string_view prereqs = colon + 2 <= line.size() ? line.substr(colon + 2) : std::string_view();
    for (auto& path : split_paths(prereqs)) {
      if (seen.insert(path).second) info.files.push_back(std::move(path));
    }
  }
  if (!any_rule) return std::nullopt;
  return info;
}

std::string replace_dir(std::string_view text, std::string_view dir, std::string_view with) {
  if (dir.empty()) return std::string(text);
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t at = text.find(dir, pos);
    if (at == std::string_view::npos) break;
    if (at + dir.size() < text.size() && text[at + dir.size()] == '/') {
      out.append(text.substr(pos, at - pos));
      out.append(with);
    } else {
      out.append(text.substr(pos, at - pos + dir.size()));
    }
    pos = at + dir.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace zccache::tools::rustc
