// DirectoryCache: answers "does this path exist?" from the cached listing of its parent
// directory, so that checking the thousands of paths where a new header could shadow a used one
// (include_set.h) costs one stat per directory instead of one per path.
//
// A listing is memoized by the directory's stat signature (dev, inode, mtime_ns, ctime_ns): adding,
// removing or renaming an entry moves the directory's mtime. As in MetadataCache, a listing read
// within kRacyWindowNs of the directory's last change is not memoized (the coarse clock could hide
// a second change in the same tick).
//
// Symlinks are not trusted from the listing: a dangling link starts to resolve when its target
// appears, without any change to the directory holding the link, so they are stat()ed each time.
//
// With a Watcher, a listing made after its directory was watched is used without a stat until the
// directory's generation changes (watcher.h).
//
// Thread-safe: the map is guarded by a mutex; listings are read outside it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "zccache/os/file_info.h"
#include "zccache/watcher/watcher.h"

namespace zccache::fscache {

class DirectoryCache {
 public:
  static constexpr int64_t kRacyWindowNs = 100'000'000;

  // watcher: optional, not owned; must outlive the cache.
  explicit DirectoryCache(watcher::Watcher* watcher = nullptr) : watcher_(watcher) {}

  struct Listing {
    os::FileInfo info;
    std::unordered_set<std::string> names;     // entries that are not symlinks
    std::unordered_set<std::string> dirs;      // those of `names` that are directories
    std::unordered_set<std::string> symlinks;  // resolved by stat on every question (and entries of
                                               // a file system that does not tell the type)
  };

  // True when `path` (absolute) names an existing file or directory (symlinks followed).
  // Equivalent to DirectoryLookup(*this).exists(path).
  bool exists(const std::string& path);
  size_t size() const;
  void clear();

  // The listing of `dir`, without a stat when the watcher vouches for it; else nullptr.
  std::shared_ptr<const Listing> watched_listing(const std::string& dir);
  // The listing of `dir` whose current stat signature is `info` (`generation`: the directory's
  // watch generation from before that stat); nullptr when unreadable.
  std::shared_ptr<const Listing> listing(const std::string& dir, const os::FileInfo& info,
                                         std::optional<uint64_t> generation);
  watcher::Watcher* watcher() const { return watcher_; }

 private:
  struct Cached {
    std::shared_ptr<const Listing> listing;
    bool signature_proves = false;  // listed outside the racy window
    std::optional<uint64_t> generation;
  };
  watcher::Watcher* watcher_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Cached> listings_;  // GUARDED_BY(mutex_)
};

}  // namespace zccache::fscache

namespace zccache::fscache {

// DirectoryLookup: the existence questions of one request. Each directory is stat()ed at most
// once per lookup object, and a directory whose parent this lookup has already listed, and whose
// name that listing lacks, is known to be missing without a system call. Asked shallow paths
// first (include_set orders them so), checking thousands of shadow paths under a few dozen
// include directories costs a few dozen stats. Not thread-safe: one per request.
class DirectoryLookup {
 public:
  explicit DirectoryLookup(DirectoryCache& cache) : cache_(cache) {}
  bool exists(const std::string& path);
  // The listing of `dir` (absolute); nullptr when it is not an existing, readable directory.
  const DirectoryCache::Listing* listing_of(const std::string& dir);
  // Whether `name` exists in the directory `list` describes (symlinks resolved by stat).
  static bool contains(const DirectoryCache::Listing& list, const std::string& dir, const std::string& name);

 private:
  DirectoryCache& cache_;
  std::unordered_map<std::string, std::shared_ptr<const DirectoryCache::Listing>> seen_;
};

}  // namespace zccache::fscache
