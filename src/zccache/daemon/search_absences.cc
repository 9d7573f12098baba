#include "zccache/daemon/search_absences.h"

namespace zccache::daemon {

void add_search_absences(const std::map<std::string, std::set<std::string>>& names, fscache::DirectoryCache& listings,
                         std::vector<store::DirState>& dirs) {
  fscache::DirectoryLookup lookup(listings);
  for (const auto& [dir, files] : names) {
    store::DirState state;
    state.path = dir;
    const fscache::DirectoryCache::Listing* list = lookup.listing_of(dir);
    state.exists = list != nullptr;
    state.mtime_ns = 0;  // always check the names: cheap through the listing cache
    for (const auto& name : files) {
      bool present = list && fscache::DirectoryLookup::contains(*list, dir, name);
      (present ? state.present : state.absent).push_back(name);
    }
    dirs.push_back(std::move(state));
  }
}

}  // namespace zccache::daemon
