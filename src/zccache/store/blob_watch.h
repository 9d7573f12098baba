// BlobWatch: which blobs nothing has written to since their content was last known.
//
// A hardlinked output shares its inode with its blob, so what the user does to a.o happens to the
// cache. The store's stat signature (artifact_store.h) notices a write because it moves ctime, but
// ctime also moves when the output is merely unlinked (`make clean`), and every such blob used to
// be re-hashed at its next hit: an open, reads, XXH3 and a close, 20-25 µs of the daemon's ~90 per
// warm hit. An inotify watch on the blob's inode sees a write through any of its names, the
// output's included:
//   - IN_MODIFY: write(2), truncate(2), fallocate(2), copy_file_range(2), a clone or splice into it;
//   - IN_CLOSE_WRITE: a descriptor opened for writing was closed (the end of a write through
//     mmap(2), which sends no IN_MODIFY).
// Unlinks, chmod and utimensat are IN_ATTRIB, not asked for: they change no byte. A blob is vouched
// for from watch() until the first such event, a queue overflow, forget(), or until its watch is
// dropped to keep the count bounded (the oldest first).
//
// What it cannot see: bytes changed through a writable mapping that is still open. Hashing would
// not help there either (the next store could change them right after).
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "zccache/base/unique_fd.h"
#include "zccache/hash/digest.h"

namespace zccache::store {

class BlobWatch {
 public:
  // nullptr when inotify is unavailable (then every blob is re-hashed when its signature moved).
  static std::unique_ptr<BlobWatch> create(size_t max_watches);

  // Starts watching `path`, the blob `blob`, whose content the caller knows to be right now.
  // false when it cannot be watched (no watch left, EACCES, ...).
  bool watch(const hash::Digest& blob, const std::string& path);
  // Reads the queued events first: true when `blob` is watched and nothing wrote to it since
  // watch().
  bool unwritten(const hash::Digest& blob);
  void forget(const hash::Digest& blob);
  void clear();
  size_t watched();

 private:
  BlobWatch(UniqueFd fd, size_t max_watches) : fd_(std::move(fd)), max_watches_(max_watches) {}
  void drain_locked();
  void drop_locked(int wd);  // removes the watch and both mappings

  UniqueFd fd_;
  const size_t max_watches_;
  std::mutex mutex_;
  std::unordered_map<hash::Digest, int, hash::DigestHash> wd_of_;  // GUARDED_BY(mutex_)
  std::unordered_map<int, hash::Digest> blob_of_;                   // GUARDED_BY(mutex_)
  std::deque<int> order_;  // watch descriptors, oldest first (may hold dropped ones); GUARDED_BY(mutex_)
};

}  // namespace zccache::store
