#include "zccache/daemon/config_search.h"

#include "zccache/os/path.h"

namespace zccache::daemon {

bool hash_config_search(hash::Hasher& h, std::string dir, std::initializer_list<const char*> names, bool upwards,
                        fscache::MetadataCache& files) {
  while (!dir.empty()) {
    for (const char* name : names) {
      std::string path = dir + (dir == "/" ? "" : "/") + name;
      h.add(path);
      if (auto facts = files.facts(path); facts.ok()) {
        h.add_digest(facts->digest);
        return true;
      }
    }
    if (!upwards || dir == "/") break;
    dir = std::string(os::dirname_of(dir));
    if (dir.empty()) dir = "/";
  }
  h.add("none");
  return false;
}

}  // namespace zccache::daemon
