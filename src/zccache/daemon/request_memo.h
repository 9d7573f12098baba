// RequestMemo: the daemon's memory of repeated requests (DESIGN.md §4 "Memo"). A request with the
// same compiler path, cwd, argv and relevant environment as one that hit before is answered from
// here (all of a multi-source request's sources at once, when every one of them hit): no argv
// parsing, no manifest read or decode, only the checks that the inputs are unchanged
// (which the watcher makes free for clean files).
//
// An entry is only a shortcut to a result that was valid: the caller re-verifies the compiler's
// identity, every response file read, the source, every file and shadow path of the include set,
// and that outputs are still regular files, before it delivers. Anything that fails falls back to
// the full lookup. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "zccache/hash/digest.h"
#include "zccache/protocol/messages.h"
#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/plan.h"
#include "zccache/watcher/generation_snapshot.h"

namespace zccache::daemon {

// One source of a remembered request and the result that served it.
struct MemoUnit {
  tools::Plan plan;
  hash::Digest source_digest;
  store::IncludeSet include_set;  // in a MemoEntry: only its result_key (MemoEntry::inputs has the rest)
  store::ResultEntry result;
};

struct MemoEntry {
  hash::Digest compiler_identity;
  std::vector<store::FileDigest> response_files;  // every @file the parser read, with its digest
  std::vector<MemoUnit> units;                    // one per source, in command-line order
  store::IncludeSet inputs;                       // the units' include sets merged: checked once

  // The generations under which the checks of the inputs above last passed with every fact
  // vouched for by the watcher (memo_watch.h); while they hold, a repeat skips those checks.
  bool verified_unchanged() const {
    std::lock_guard lock(verified_mutex_);
    return verified_ && verified_->unchanged();
  }
  void set_verified(std::optional<watcher::GenerationSnapshot> snapshot) const {
    std::lock_guard lock(verified_mutex_);
    verified_ = std::move(snapshot);
  }
  // The directories the last passed check found its answers depended on (memo_watch.h), for the
  // next check's snapshot, so that a check computes them once rather than before and after.
  // A stale list is safe: the check verifies by the snapshot only when the directories it then
  // finds are among those the snapshot covers.
  using WatchDirs = std::shared_ptr<const std::vector<std::string>>;
  WatchDirs watch_dirs() const {
    std::lock_guard lock(verified_mutex_);
    return watch_dirs_;
  }
  void set_watch_dirs(WatchDirs dirs) const {
    std::lock_guard lock(verified_mutex_);
    watch_dirs_ = std::move(dirs);
  }

 private:
  mutable std::mutex verified_mutex_;
  mutable std::optional<watcher::GenerationSnapshot> verified_;  // GUARDED_BY(verified_mutex_)
  mutable WatchDirs watch_dirs_;                                  // GUARDED_BY(verified_mutex_)
};

// An entry for `units` that each carry their full include set: the sets merged into `inputs`
// (what repeats check), each unit left with only its result key (for the lease). With 50 -I
// directories an include set holds ~10,000 absent names: kept twice, the memo of 20
// response-file units took 20 MB more. nullptr when the sets cannot be merged.
std::shared_ptr<MemoEntry> make_memo_entry(const hash::Digest& compiler_identity,
                                           std::vector<store::FileDigest> response_files, std::vector<MemoUnit> units);

// The environment variables any step of a lookup reads (key, parser, colour decision).
hash::Digest memo_key(const protocol::CompileRequest& request);

// The heap bytes an entry holds, roughly (strings and vectors; not the allocator's overhead).
// Dominated by the include set's shadow-directory names: ~10,000 for a unit behind 50 -I
// directories.
size_t approx_bytes(const MemoEntry& entry);

class RequestMemo {
 public:
  // Entries past either limit are dropped all at once (a rebuild refills what is in use, and
  // the requests that find no entry take the full lookup, which is still correct). The byte
  // budget bounds the daemon's memory on a project with thousands of units behind many -I
  // directories, where the entry count alone would allow gigabytes.
  static constexpr size_t kMaxEntries = 50'000;
  static constexpr size_t kMaxBytes = size_t{256} << 20;

  explicit RequestMemo(size_t max_bytes = kMaxBytes) : max_bytes_(max_bytes) {}

  std::shared_ptr<const MemoEntry> find(const hash::Digest& key);
  void put(const hash::Digest& key, std::shared_ptr<const MemoEntry> entry);
  void erase(const hash::Digest& key);
  void clear();
  size_t bytes();

 private:
  struct Held {
    std::shared_ptr<const MemoEntry> entry;
    size_t bytes = 0;
  };
  const size_t max_bytes_;
  std::mutex mutex_;
  std::unordered_map<hash::Digest, Held, hash::DigestHash> entries_;  // GUARDED_BY(mutex_)
  size_t bytes_ = 0;                                                  // GUARDED_BY(mutex_)
};

}  // namespace zccache::daemon
