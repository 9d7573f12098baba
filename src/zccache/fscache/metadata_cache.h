// MetadataCache: path -> what the daemon knows about a file's content (digest, whether it uses
// __DATE__/__TIME__/__TIMESTAMP__, which names it probes with __has_include), memoized by the
// file's stat signature (dev, inode, size, mtime_ns, ctime_ns).
//
// The race this guards against (cf. ccache's inodecache.hpp): timestamps come from the kernel's
// coarse clock (one tick, ~4 ms), so a file rewritten twice within one tick with the same size
// keeps its whole signature. A digest computed less than kRacyWindow after the file's last change
// is therefore used once and not memoized: the next lookup hashes again.
//
// ctime is part of the signature because a replacement that restores size and mtime
// (`touch -d`, `cp -p`, rsync -t) still moves ctime.
//
// With a Watcher (watcher.h), an entry made after its directory was watched is valid without a
// stat until the directory's generation changes; files that are symlinks or have other hardlinks
// are never trusted that way (their changes may not reach this directory's events).
//
// Thread-safe: the map is guarded by a mutex; hashing happens outside it.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/hash/digest.h"
#include "zccache/os/file_info.h"
#include "zccache/watcher/watcher.h"

namespace zccache::fscache {

struct FileFacts {
  hash::Digest digest;
  bool uses_time_macros = false;  // __DATE__, __TIME__ or __TIMESTAMP__ appears in the text
  std::vector<std::string> has_include_names;  // literal names of __has_include(<x>) / ("x") probes
};

// Scans `content` for the facts above (exposed for tests).
FileFacts scan_content(std::string_view content);

class MetadataCache {
 public:
  static constexpr int64_t kRacyWindowNs = 100'000'000;  // 100 ms, ~25 clock ticks

  // watcher: optional, not owned; must outlive the cache.
  explicit MetadataCache(watcher::Watcher* watcher = nullptr) : watcher_(watcher) {}
  watcher::Watcher* watcher() const { return watcher_; }

  // Facts for `path` (absolute). kNotFound when it does not exist; kIo when it is not a readable
  // regular file.
  Result<FileFacts> facts(const std::string& path);
  // Only the digest, for files that are never preprocessor input (a compiler's binary and
  // libraries): read in pieces rather than whole into memory, and not scanned for the facts
  // above (scanning was half the time of hashing a Rust toolchain's 500 MB). Errors as facts().
  Result<hash::Digest> digest(const std::string& path);

  struct Lookup {
    os::FileInfo info;               // the stat signature the facts belong to
    std::optional<FileFacts> facts;  // empty only when the caller did not let us read the file
    // The facts stay valid, without a stat, while the file's directory keeps its watch generation
    // (false for symlinks, hardlinked files, unwatched directories and unknown facts).
    bool watched = false;
  };
  // facts() with the signature they were taken under. A file that no entry vouches for (watched
  // and unchanged, or the same signature hashed outside the racy window) is read only when its
  // size is at most `max_read_bytes` (nullopt: never); else `facts` is empty and `info` is its
  // current signature. Errors as facts().
  Result<Lookup> lookup(const std::string& path, std::optional<uint64_t> max_read_bytes);
  // For saving across daemon restarts (daemon/saved_probe.h): the digest of `path` with the
  // signature that proves it, when an entry has one hashed outside the racy window.
  std::optional<std::pair<os::FileInfo, hash::Digest>> proven_digest(const std::string& path) const;
  // Takes a digest an earlier daemon proved: digest() answers it without reading the file while
  // the file's stat signature is still `info`. Ignored when the path already has an entry.
  void adopt_digest(const std::string& path, const os::FileInfo& info, const hash::Digest& digest);
  // Drops every entry.
  void clear();
  size_t size() const;
  uint64_t hashed_bytes_for_testing() const;

 private:
  Result<Lookup> find(const std::string& path, std::optional<uint64_t> max_read_bytes, bool scan);

  struct Entry {
    os::FileInfo info;
    FileFacts facts;
    bool scanned = true;                 // false: facts holds only the digest (digest())
    bool signature_proves = false;       // hashed outside the racy window: a same signature proves it
    std::optional<uint64_t> generation;  // the directory's generation before the stat, when trusted
  };
  watcher::Watcher* watcher_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
  uint64_t hashed_bytes_ = 0;                        // GUARDED_BY(mutex_)
};

}  // namespace zccache::fscache
