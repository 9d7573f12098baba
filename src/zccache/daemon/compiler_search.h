// CompilerSearch: the daemon's PATH search for a compiler named without a '/' (protocol
// CompileRequest::path_search), remembered while nothing it depended on changed.
//
// A search looks at every PATH entry up to the one that has the compiler. With the caller's PATH
// (a dozen directories, the compiler in the tenth, itself a symlink chain) that is a dozen listing
// lookups and two or three path walks through the links on every request, the largest part of a
// warm hit's work in the daemon after the delivery. The answer depends only on:
//   - each directory searched: what it holds under that name (its listing, or for a directory that
//     does not exist, the nearest existing ancestor, where it would have to be created);
//   - for each candidate that exists: the directories of the symlinks it passes through and of
//     the file it ends at (its type, mode and identity, for "regular, executable, not zccache").
// Every one of those directories is watched; the answer is kept with a GenerationSnapshot of them,
// taken before a second search that must agree with the first (CompilerRegistry::resolve makes
// the same argument). While the snapshot is unchanged after the request's drain, the search would
// find the same file. Anything the watcher cannot vouch for (no watcher, a file system without
// reliable events, a path with "." or ".." in it) is searched every time.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "zccache/fscache/directory_cache.h"
#include "zccache/os/program_search.h"
#include "zccache/watcher/generation_snapshot.h"

namespace zccache::daemon {

class CompilerSearch {
 public:
  explicit CompilerSearch(fscache::DirectoryCache& listings) : listings_(listings) {}

  // The absolute path of `name` in `path` (PATH's value) as os::find_in_path finds it, skipping
  // `self`; empty when found nowhere. `cwd` resolves empty and relative entries.
  std::string find(const std::string& name, std::string_view path, const std::string& cwd, os::FileId self);
  // Forgets every remembered answer (after `clear`).
  void clear();
  // How many searches actually walked PATH (tests: a remembered answer costs none).
  size_t searches() const;

 private:
  struct Remembered {
    std::string found;
    watcher::GenerationSnapshot dirs;
  };
  // One walk of PATH; `candidates`, when given, gets every candidate path it considered, in order,
  // and `plain` whether all of them can be vouched for by the listings.
  std::string search(const std::string& name, std::string_view path, const std::string& cwd, os::FileId self,
                     std::vector<std::string>* candidates, bool* plain);
  // The directories a search that considered `candidates` depends on, each watched; false when
  // one cannot be watched reliably or a candidate's links cannot be followed.
  bool dependencies(const std::vector<std::string>& candidates, std::vector<std::string>& dirs);

  static constexpr size_t kMaxRemembered = 256;

  fscache::DirectoryCache& listings_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Remembered> remembered_;
  size_t searches_ = 0;
};

}  // namespace zccache::daemon
