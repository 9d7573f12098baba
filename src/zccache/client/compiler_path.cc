#include "zccache/client/compiler_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "zccache/client/handoff.h"
#include "zccache/os/program_search.h"

namespace zccache::client {

bool invoked_as_zccache(std::string_view argv0) {
  size_t slash = argv0.rfind('/');
  std::string_view name = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
  return name.rfind("zccache", 0) == 0;
}

std::optional<os::FileId> self_id() {
  // Handed over by the front: a masquerade symlink points at the front, not at us.
  if (handoff().front) return handoff().front;
  struct stat self;
  if (::stat("/proc/self/exe", &self) != 0) return std::nullopt;
  return os::FileId{static_cast<uint64_t>(self.st_dev), static_cast<uint64_t>(self.st_ino)};
}

std::string resolve_compiler(const std::string& name, const std::string& cwd) {
  if (name.find('/') != std::string::npos) return name[0] == '/' ? name : cwd + "/" + name;
  const char* path_env = std::getenv("PATH");
  return os::find_in_path(name, path_env ? path_env : os::kDefaultSearchPath, cwd, self_id());
}

}  // namespace zccache::client
