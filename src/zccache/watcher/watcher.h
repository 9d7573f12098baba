// Watcher: lets the metadata caches trust what they know without a stat, until the file system
// says otherwise (DESIGN.md §4).
//
// Model: every watched directory has a generation number, drawn from one counter that only grows.
// A cache entry remembers the generation of its directory from *before* it stat()ed and hashed the
// file; the entry is valid while the directory still has that generation. Any inotify event in the
// directory gives it a new generation, and so does an event on one of its ancestors that names the
// path's next component (a renamed parent, a re-pointed symlink such as `current -> v2`). Queue
// overflow renews every generation.
//
// Ordering is what makes this safe: the kernel queues an event when the modifying system call
// happens, and the daemon drain()s the queue before it answers any request, so an edit made before
// the build ran the compiler is always seen.
//
// Not covered by events, so never trusted (the caches stat these on every lookup): directories on
// file systems without reliable events (NFS, CIFS/SMB, FUSE, 9p, overlay, ...), and files that are
// symlinks (their target can change elsewhere). Writes through a hardlink in another directory or
// through a shared mmap send no event to the directory either; the caches keep the stat-based
// check for files whose link count is above one.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace zccache::watcher {

class Watcher {
 public:
  // A directory's generation, readable without the watcher's lock or a path lookup. It keeps
  // moving after the directory stops being watched (it gets one last new generation then), so a
  // copy of a value read earlier never matches again once anything happened.
  using GenerationCell = std::shared_ptr<const std::atomic<uint64_t>>;

  virtual ~Watcher() = default;
  // Watches `dir` (absolute) and its ancestors; returns its current generation, or nullopt when it
  // cannot be watched reliably (then the caller must stat on every lookup).
  virtual std::optional<uint64_t> watch(const std::string& dir) = 0;
  // The current generation of a watched `dir`; nullopt when not watched (any more).
  virtual std::optional<uint64_t> generation(const std::string& dir) = 0;
  // The cell of a watched `dir`; nullptr when not watched (reliably). Values read from it after a
  // drain() are those generation() returns.
  virtual GenerationCell generation_cell(const std::string& dir) {
    (void)dir;
    return nullptr;
  }
  // A number that moves, after the renewals, at the end of every drain() that renewed any
  // generation: while it has not moved, no cell has (GenerationSnapshot's check of hundreds of
  // directories in one load). nullptr when the watcher keeps none.
  using EpochCell = std::shared_ptr<const std::atomic<uint64_t>>;
  virtual EpochCell epoch_cell() { return nullptr; }
  // Reads every queued event and renews the generations they touch. Cheap when nothing happened
  // (one read(2) that returns EAGAIN).
  virtual void drain() = 0;
  virtual size_t watched_count() = 0;
};

// The inotify implementation; nullptr when inotify is unavailable.
std::unique_ptr<Watcher> make_inotify_watcher();

}  // namespace zccache::watcher
