#include "zccache/client/compiler_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace zccache::client {

bool invoked_as_zccache(std::string_view argv0) {
  size_t slash = argv0.rfind('/');
  std::string_view name = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
  return name.rfind("zccache", 0) == 0;
}

std::string resolve_compiler(const std::string& name, const std::string& cwd) {
  if (name.find('/') != std::string::npos) return name[0] == '/' ? name : cwd + "/" + name;
  struct stat self;
  bool have_self = ::stat("/proc/self/exe", &self) == 0;
  const char* path_env = std::getenv("PATH");
  std::string_view path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (!path.empty()) {
    size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    path = colon == std::string_view::npos ? std::string_view{} : path.substr(colon + 1);
    std::string candidate = dir.empty() ? "./" + name : std::string(dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(candidate.c_str(), X_OK) != 0) continue;
    if (have_self && st.st_dev == self.st_dev && st.st_ino == self.st_ino) continue;  // ourselves
    if (candidate[0] != '/') candidate = cwd + "/" + candidate;
    return candidate;
  }
  return {};
}

}  // namespace zccache::client
