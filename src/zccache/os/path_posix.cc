#include "zccache/os/path.h"

#include <climits>
#include <cstdlib>

namespace zccache::os {

bool is_absolute(std::string_view path) { return !path.empty() && path[0] == '/'; }

std::string absolute_from(std::string_view cwd, std::string_view path) {
  if (is_absolute(path)) return std::string(path);
  return join_path(cwd, path);
}

std::string_view dirname_of(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return {};
  return buf;
}

}  // namespace zccache::os
