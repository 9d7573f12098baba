#include "zccache/store/blob_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

namespace zccache::store {
namespace {

constexpr uint32_t kWrites = IN_MODIFY | IN_CLOSE_WRITE;

}  // namespace

std::unique_ptr<BlobWatch> BlobWatch::create(size_t max_watches) {
  if (max_watches == 0) return nullptr;
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid()) return nullptr;
  return std::unique_ptr<BlobWatch>(new BlobWatch(std::move(fd), max_watches));
}

bool BlobWatch::watch(const hash::Digest& blob, const std::string& path) {
  std::lock_guard lock(mutex_);
  drain_locked();
  auto known = wd_of_.find(blob);
  if (known != wd_of_.end()) drop_locked(known->second);  // re-armed: what it saw before is moot
  const int wd = ::inotify_add_watch(fd_.get(), path.c_str(), kWrites | IN_DONT_FOLLOW);
  if (wd < 0) return false;
  auto other = blob_of_.find(wd);
  if (other != blob_of_.end()) wd_of_.erase(other->second);  // the same inode under another name
  wd_of_[blob] = wd;
  blob_of_[wd] = blob;
  order_.push_back(wd);
  while (wd_of_.size() > max_watches_ && !order_.empty()) {
    const int oldest = order_.front();
    order_.pop_front();
    if (oldest != wd && blob_of_.count(oldest)) drop_locked(oldest);
  }
  if (order_.size() > 4 * max_watches_) {  // forgotten descriptors pile up: keep the live ones
    std::deque<int> live;
    for (int w : order_) {
      if (blob_of_.count(w)) live.push_back(w);
    }
    order_.swap(live);
  }
  return true;
}

bool BlobWatch::unwritten(const hash::Digest& blob) {
  std::lock_guard lock(mutex_);
  drain_locked();
  return wd_of_.count(blob) != 0;
}

void BlobWatch::forget(const hash::Digest& blob) {
  std::lock_guard lock(mutex_);
  auto it = wd_of_.find(blob);
  if (it != wd_of_.end()) drop_locked(it->second);
}

void BlobWatch::clear() {
  std::lock_guard lock(mutex_);
  for (const auto& [wd, blob] : blob_of_) ::inotify_rm_watch(fd_.get(), wd);
  wd_of_.clear();
  blob_of_.clear();
  order_.clear();
}

size_t BlobWatch::watched() {
  std::lock_guard lock(mutex_);
  drain_locked();
  return wd_of_.size();
}

void BlobWatch::drop_locked(int wd) {
  auto it = blob_of_.find(wd);
  if (it == blob_of_.end()) return;
  wd_of_.erase(it->second);
  blob_of_.erase(it);
  ::inotify_rm_watch(fd_.get(), wd);
}

void BlobWatch::drain_locked() {
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: nothing queued
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        // Some event was lost: no blob can be vouched for.
        for (const auto& [wd, blob] : blob_of_) ::inotify_rm_watch(fd_.get(), wd);
        wd_of_.clear();
        blob_of_.clear();
        order_.clear();
        continue;
      }
      if (ev->mask & (kWrites | IN_IGNORED)) {
        // Written to, or the watch is gone (the inode was freed, or we removed it).
        auto it = blob_of_.find(ev->wd);
        if (it == blob_of_.end()) continue;
        wd_of_.erase(it->second);
        blob_of_.erase(it);
        if (!(ev->mask & IN_IGNORED)) ::inotify_rm_watch(fd_.get(), ev->wd);
      }
    }
  }
}

}  // namespace zccache::store
