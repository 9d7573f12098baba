#include "zccache/daemon/program_path.h"

#include <unistd.h>

#include <string_view>

#include "zccache/daemon/request_key.h"
#include "zccache/os/path.h"

namespace zccache::daemon {

std::string resolve_program(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return os::real_path(name);
  const char* path = find_env(env, "PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (true) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = os::join_path(dir.empty() ? "." : dir, name);
    if (::access(candidate.c_str(), X_OK) == 0) return os::real_path(candidate);
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace zccache::daemon
