// inotify implementation of Watcher (see watcher.h for the model).
#include <errno.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zccache/base/unique_fd.h"
#include "zccache/watcher/watcher.h"

namespace zccache::watcher {
namespace {

// File systems whose changes may not raise inotify events on this machine (made by another host,
// or by a user-space server), and overlay, whose lower layers can change underneath.
bool reliable_filesystem(const std::string& dir) {
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) != 0) return false;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case NFS_SUPER_MAGIC:
    case SMB_SUPER_MAGIC:
    case 0xFF534D42UL:  // CIFS
    case 0xFE534D42UL:  // SMB2
    case FUSE_SUPER_MAGIC:
    case V9FS_MAGIC:
    case OVERLAYFS_SUPER_MAGIC:
    case CODA_SUPER_MAGIC:
    case AFS_SUPER_MAGIC:
    case 0x00C36400UL:  // ceph
    case 0x01161970UL:  // gfs2
    case 0x7461636FUL:  // ocfs2
      return false;
    default:
      return true;
  }
}

std::string parent_of(const std::string& dir) {
  size_t slash = dir.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return dir.substr(0, slash);
}

constexpr uint32_t kMask = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

class InotifyWatcher : public Watcher {
 public:
  explicit InotifyWatcher(UniqueFd fd) : fd_(std::move(fd)) {}

  std::optional<uint64_t> watch(const std::string& dir) override {
    std::lock_guard lock(mutex_);
    if (const DirState* known = find_locked(dir)) {
      return known->reliable ? std::optional<uint64_t>(known->value()) : std::nullopt;
    }
    // Ancestors first: a change to one of them after this point renews this directory.
    std::vector<std::string> chain;
    for (std::string d = dir;; d = parent_of(d)) {
      chain.push_back(d);
      if (d == "/") break;
    }
    bool reliable = true;
    for (auto a = chain.rbegin(); a != chain.rend(); ++a) {
      if (const DirState* known = find_locked(*a)) {
        reliable = reliable && known->reliable;
        continue;
      }
      if (!add_locked(*a)) {
        reliable = false;
        break;
      }
    }
    const DirState* added = find_locked(dir);
    if (!reliable || !added || !added->reliable) return std::nullopt;
    return added->value();
  }

  std::optional<uint64_t> generation(const std::string& dir) override {
    std::lock_guard lock(mutex_);
    const DirState* known = find_locked(dir);
    if (!known || !known->reliable) return std::nullopt;
    return known->value();
  }

  GenerationCell generation_cell(const std::string& dir) override {
    std::lock_guard lock(mutex_);
    const DirState* known = find_locked(dir);
    if (!known || !known->reliable) return nullptr;
    return known->generation;
  }

  EpochCell epoch_cell() override { return epoch_; }

  void drain() override {
    std::lock_guard lock(mutex_);
    const uint64_t before = counter_;
    alignas(struct inotify_event) char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
      if (n <= 0) break;  // EAGAIN: the queue is empty
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(p);
        p += sizeof(struct inotify_event) + ev->len;
        handle_locked(*ev);
      }
    }
    // After the renewals' stores: an epoch read unchanged means none of them happened since.
    if (counter_ != before) epoch_->fetch_add(1, std::memory_order_release);
  }

  size_t watched_count() override {
    std::lock_guard lock(mutex_);
    return dirs_.size();
  }

 private:
  struct DirState {
    int wd = -1;
    // Written under mutex_ only; shared so that GenerationSnapshot reads it without the lock.
    std::shared_ptr<std::atomic<uint64_t>> generation = std::make_shared<std::atomic<uint64_t>>(0);
    bool reliable = true;
    uint64_t value() const { return generation->load(std::memory_order_acquire); }
    void renew(uint64_t g) { generation->store(g, std::memory_order_release); }
  };

  // Lookups go through a hash index: the map's keys share long prefixes (every watched
  // directory of a tree), and its string compares were 8% of a checked memo hit.
  DirState* find_locked(const std::string& dir) {
    auto it = index_.find(std::string_view(dir));
    return it == index_.end() ? nullptr : it->second;
  }
  void put_locked(const std::string& dir, const DirState& state) {
    auto [it, inserted] = dirs_.insert_or_assign(dir, state);
    index_[std::string_view(it->first)] = &it->second;  // map nodes never move
  }

  // Watches one directory. false when it cannot be watched: a file system without reliable events
  // or no watch left (recorded, so we do not ask again), or a missing directory (not recorded: it
  // may appear later).
  bool add_locked(const std::string& dir) {
    DirState state;
    state.renew(++counter_);
    if (!reliable_filesystem(dir)) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      state.reliable = false;
      put_locked(dir, state);
      return false;
    }
    int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), kMask);
    if (wd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      state.reliable = false;  // ENOSPC (max_user_watches), EACCES: stat on every lookup instead
      put_locked(dir, state);
      return false;
    }
    state.wd = wd;
    put_locked(dir, state);
    paths_[wd].insert(dir);
    return true;
  }

  // Gives `dir` and every watched directory below it a new generation.
  void renew_tree_locked(const std::string& dir) {
    std::string prefix = dir == "/" ? "/" : dir + "/";
    if (DirState* d = find_locked(dir)) d->renew(++counter_);
    for (auto sub = dirs_.lower_bound(prefix); sub != dirs_.end() && sub->first.compare(0, prefix.size(), prefix) == 0;
         ++sub) {
      sub->second.renew(++counter_);
    }
  }

  void handle_locked(const struct inotify_event& ev) {
    if (ev.mask & IN_Q_OVERFLOW) {
      for (auto& [path, state] : dirs_) state.renew(++counter_);
      return;
    }
    auto it = paths_.find(ev.wd);
    if (it == paths_.end()) return;
    bool self = ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT);
    std::string name = ev.len > 0 ? std::string(ev.name) : std::string();
    for (const std::string& dir : it->second) {
      if (DirState* d = find_locked(dir)) d->renew(++counter_);  // also the last one of a watch going away
      if (self) {
        renew_tree_locked(dir);
      } else if (!name.empty()) {
        renew_tree_locked(dir == "/" ? "/" + name : dir + "/" + name);
      }
    }
    if (ev.mask & IN_IGNORED) {
      // The watch is gone (directory deleted or unmounted): forget it; a later watch() re-adds it.
      for (const std::string& dir : it->second) {
        index_.erase(std::string_view(dir));  // first: its key is a view of the map's
        dirs_.erase(dir);
      }
      paths_.erase(it);
    }
  }

  UniqueFd fd_;
  std::mutex mutex_;
  uint64_t counter_ = 0;                                 // GUARDED_BY(mutex_)
  // Moved by drain() only (watch() renews new cells only, which no snapshot holds yet).
  std::shared_ptr<std::atomic<uint64_t>> epoch_ = std::make_shared<std::atomic<uint64_t>>(0);
  std::map<std::string, DirState> dirs_;                 // GUARDED_BY(mutex_); sorted for subtree walks
  std::unordered_map<std::string_view, DirState*> index_;  // GUARDED_BY(mutex_); dirs_ by key
  std::unordered_map<int, std::set<std::string>> paths_;  // GUARDED_BY(mutex_); one inode, many spellings
};

}  // namespace

std::unique_ptr<Watcher> make_inotify_watcher() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::make_unique<InotifyWatcher>(UniqueFd(fd));
}

}  // namespace zccache::watcher
