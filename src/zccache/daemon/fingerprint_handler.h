// FingerprintHandler: the daemon's answer to zccache-fp (protocol::FingerprintRequest): the files
// of a tree that the globs select, each with its stat facts and, when the metadata cache knows it,
// its content digest.
//
// Where the walk runs. zccache-fp alone spends its time on one readdir per directory and one stat
// per file (5,000 files: ~5,200 fstatat, most of its system time); reading the files is rare, its
// cache file already skips unchanged ones. The only way to be faster is to skip those system
// calls, and only the daemon can: its directory listings and metadata entries stay valid without a
// stat until the watcher reports an event in their directory. So the walk and the glob filtering
// run here, on the cached listings (fp::FileSelection, the same rules as the local walk), and a
// check of an unchanged watched tree makes no system call per file or directory at all. The
// request is then a few globs instead of every path. The reply still carries every selected file
// (zccache-fp diffs them against its last success and keeps its cache file valid for local mode),
// unless it is exactly the list zccache-fp recorded last time (protocol known_records): then the
// reply says so in a few bytes. Measured on 5,000 files in 100 directories (README): an unchanged
// check costs zccache-fp 16 ms of CPU alone, and 2.7 ms plus 0.24 ms in the daemon with it.
//
// Memo. After answering a spec (root, globs) whose every directory and file is watched, the
// handler keeps the generation each directory had before it was listed, and the digest of the
// list. When the next request for that spec names that digest and no directory has a new
// generation (any event in a directory, or on the path to it, renews it: watcher.h), nothing can
// have changed: the answer is "unchanged" without a walk, for the cost of one generation look-up
// per directory.
//
// Unknown files. A file no cache entry vouches for is not read before answering unless the
// request asks (hash_unknown: the client has no digests of its own and would read every file
// anyway): zccache-fp reads such files itself or, far more often, reuses the digest its cache file
// holds for the same stat facts. They are hashed after the reply (warm()), so the next check finds
// them, and the first check of a tree the daemon has not seen costs about a local check plus the
// daemon's stat of each file (39 ms against 25 ms alone for 5,000 files, once). Files above
// kMaxHashBytes are never read here (the metadata cache holds a file whole in memory while hashing
// it); zccache-fp streams them.
//
// Correctness: the watcher is drained before the walk, so an edit made before zccache-fp ran is
// seen (DESIGN.md §4); a directory or file on a file system without reliable events is checked by
// stat, as for compiles.
//
// Thread-safe: the caches it is given are thread-safe; the memo has its own mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zccache/fp/file_set.h"
#include "zccache/fscache/directory_cache.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/hash/digest.h"
#include "zccache/protocol/messages.h"
#include "zccache/watcher/watcher.h"

namespace zccache::daemon {

// The selection a request describes (the inverse of what zccache-fp sends, fp/daemon_scan.cc).
fp::FileSetSpec file_set_spec(const protocol::FingerprintRequest& request);

struct FingerprintAnswer {
  protocol::Message reply;           // a FingerprintReply, or an ErrorReply
  std::vector<std::string> to_hash;  // absolute paths to hash after replying
};

class FingerprintHandler {
 public:
  static constexpr uint64_t kMaxHashBytes = 16u << 20;
  // Specs remembered; more are answered by a walk (each memo is ~100 bytes per directory).
  static constexpr size_t kMaxMemos = 64;

  // watcher: optional, not owned.
  FingerprintHandler(fscache::MetadataCache& files, fscache::DirectoryCache& listings, watcher::Watcher* watcher)
      : files_(files), listings_(listings), watcher_(watcher) {}

  FingerprintAnswer answer(const protocol::FingerprintRequest& request);
  // Hashes `paths` into the metadata cache (on the calling thread and one per further core),
  // giving up when `stop` becomes true (a daemon that stops does not wait for a large tree).
  void warm(const std::vector<std::string>& paths, const std::atomic<bool>& stop);

 private:
  struct Memo {
    std::vector<std::pair<std::string, uint64_t>> dirs;  // every directory listed, its generation before
    hash::Digest records;                                // fp::RecordsDigest of the answer
  };
  // True when the memo of `key` is for `known_records` and no directory of it has changed.
  bool unchanged_since_memo(const std::string& key, const std::string& known_records);
  void remember(const std::string& key, Memo memo);

  fscache::MetadataCache& files_;
  fscache::DirectoryCache& listings_;
  watcher::Watcher* watcher_;
  std::mutex memo_mutex_;
  std::unordered_map<std::string, Memo> memos_;  // GUARDED_BY(memo_mutex_); key: see memo_key()
};

}  // namespace zccache::daemon
