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

 private:
  mutable std::mutex verified_mutex_;
  mutable std::optional<watcher::GenerationSnapshot> verified_;  // GUARDED_BY(verified_mutex_)
};

// The environment variables any step of a lookup reads (key, parser, colour decision).
hash::Digest memo_key(const protocol::CompileRequest& request);

class RequestMemo {
 public:
  // Entries past this are dropped all at once (a rebuild refills what is in use).
  static constexpr size_t kMaxEntries = 50'000;

  std::shared_ptr<const MemoEntry> find(const hash::Digest& key);
  void put(const hash::Digest& key, std::shared_ptr<const MemoEntry> entry);
  void erase(const hash::Digest& key);
  void clear();

 private:
  std::mutex mutex_;
  std::unordered_map<hash::Digest, std::shared_ptr<const MemoEntry>, hash::DigestHash> entries_;  // GUARDED_BY(mutex_)
};

}  // namespace zccache::daemon
