#include "zccache/fscache/directory_cache.h"

#include <dirent.h>
#include <sys/stat.h>

#include "zccache/os/path.h"

namespace zccache::fscache {
namespace {

bool stat_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::shared_ptr<const DirectoryCache::Listing> DirectoryCache::watched_listing(const std::string& dir) {
  if (!watcher_) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = listings_.find(dir);
  if (it == listings_.end() || !it->second.generation) return nullptr;
  if (watcher_->generation(dir) != it->second.generation) return nullptr;
  return it->second.listing;
}

std::shared_ptr<const DirectoryCache::Listing> DirectoryCache::listing(const std::string& dir,
                                                                       const os::FileInfo& info,
                                                                       std::optional<uint64_t> generation) {
  {
    std::lock_guard lock(mutex_);
    auto it = listings_.find(dir);
    if (it != listings_.end() && it->second.signature_proves && it->second.listing->info == info) {
      it->second.generation = generation;
      return it->second.listing;
    }
  }
  DIR* d = ::opendir(dir.c_str());
  if (!d) return nullptr;
  auto fresh = std::make_shared<Listing>();
  fresh->info = info;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
      fresh->symlinks.emplace(name);
    } else {
      fresh->names.emplace(name);
      if (e->d_type == DT_DIR) fresh->dirs.emplace(name);
    }
  }
  ::closedir(d);
  // The listing is only as good as the signature we read before it: if the directory changed
  // meanwhile, use this listing once and do not keep it.
  auto after = os::stat_path(dir);
  bool stable = after.ok() && *after == info;
  bool proves = stable && os::now_realtime_ns() - std::max(info.mtime_ns, info.ctime_ns) >= kRacyWindowNs;
  if (stable && (proves || generation)) {
    std::lock_guard lock(mutex_);
    listings_[dir] = Cached{fresh, proves, generation};
  }
  return fresh;
}

bool DirectoryCache::exists(const std::string& path) { return DirectoryLookup(*this).exists(path); }

const DirectoryCache::Listing* DirectoryLookup::listing_of(const std::string& dir) {
  auto it = seen_.find(dir);
  if (it != seen_.end()) return it->second.get();
  std::shared_ptr<const DirectoryCache::Listing> result;
  std::string_view name = os::basename_of(dir);
  std::string parent(os::dirname_of(dir));
  bool known_missing = false;
  // When this lookup already listed the parent (callers ask shallow paths first), a
  // subdirectory missing from that listing costs no system call. Parents are not listed just for
  // this: that would read /tmp or $HOME on every request. "." and ".." are not in listings.
  if (parent != dir && !name.empty() && name != "." && name != "..") {
    auto up = seen_.find(parent);
    if (up != seen_.end()) {
      std::string key(name);
      const DirectoryCache::Listing* list = up->second.get();
      known_missing = list == nullptr || (!list->names.count(key) && !list->symlinks.count(key));
    }
  }
  if (!known_missing) result = cache_.watched_listing(dir);
  if (!known_missing && !result) {
    // Watch before the stat: a change after this point renews the generation we record.
    std::optional<uint64_t> generation = cache_.watcher() ? cache_.watcher()->watch(dir) : std::nullopt;
    auto info = os::stat_path(dir);
    if (info.ok() && info->is_dir()) result = cache_.listing(dir, *info, generation);
  }
  const DirectoryCache::Listing* raw = result.get();
  seen_.emplace(dir, std::move(result));
  return raw;
}

bool DirectoryLookup::contains(const DirectoryCache::Listing& list, const std::string& dir, const std::string& name) {
  if (list.names.count(name)) return true;
  if (list.symlinks.count(name)) return stat_exists(dir + "/" + name);
  return false;
}

bool DirectoryLookup::exists(const std::string& path) {
  std::string_view name = os::basename_of(path);
  if (name.empty() || name == "." || name == "..") return stat_exists(path);
  std::string dir(os::dirname_of(path));
  const DirectoryCache::Listing* list = listing_of(dir);
  return list && contains(*list, dir, std::string(name));
}

size_t DirectoryCache::size() const {
  std::lock_guard lock(mutex_);
  return listings_.size();
}

void DirectoryCache::clear() {
  std::lock_guard lock(mutex_);
  listings_.clear();
}

}  // namespace zccache::fscache
