// Library search results as include-set directory states: for each directory a linker searched,
// the library names whose absence (or presence) the chosen libraries depend on. A library created
// later in a directory searched earlier makes the entry stale (include_set.h checks them).
// Used by driver links (link_compile.cc) and emcc links (emcc_link.cc).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "zccache/fscache/directory_cache.h"
#include "zccache/store/manifest.h"

namespace zccache::daemon {

// names: directory -> the file names to check there. Appends one DirState per directory.
void add_search_absences(const std::map<std::string, std::set<std::string>>& names, fscache::DirectoryCache& listings,
                         std::vector<store::DirState>& dirs);

}  // namespace zccache::daemon
