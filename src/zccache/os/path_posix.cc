#include "zccache/os/path.h"

#include <sys/stat.h>
#include <unistd.h>

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

std::string real_path_traced(const std::string& path, std::vector<std::string>* link_dirs) {
  if (!is_absolute(path)) return {};
  std::string done;         // resolved so far, without a trailing slash ("" is the root)
  std::string rest = path;  // still to walk
  int links = 0;
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of('/');
    if (start == std::string::npos) break;
    size_t end = rest.find('/', start);
    std::string name = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    rest.erase(0, end == std::string::npos ? rest.size() : end);
    if (name == ".") continue;
    if (name == "..") {  // `done` has no links left in it: its parent is lexical
      size_t slash = done.rfind('/');
      done.erase(slash == std::string::npos ? 0 : slash);
      continue;
    }
    std::string next = done + "/" + name;
    struct stat st;
    if (::lstat(next.c_str(), &st) != 0) return {};
    if (!S_ISLNK(st.st_mode)) {
      if (!rest.empty() && rest.find_first_not_of('/') != std::string::npos && !S_ISDIR(st.st_mode)) return {};
      done = std::move(next);
      continue;
    }
    if (++links > 40) return {};  // ELOOP, as the kernel counts
    char target[PATH_MAX];
    ssize_t n = ::readlink(next.c_str(), target, sizeof(target) - 1);
    if (n <= 0) return {};
    link_dirs->push_back(done.empty() ? "/" : done);
    rest = std::string(target, static_cast<size_t>(n)) + "/" + rest;
    if (target[0] == '/') done.clear();
  }
  return done.empty() ? "/" : done;
}

}  // namespace zccache::os
