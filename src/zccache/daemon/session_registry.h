// SessionRegistry: the open sessions of `zccache session-start` and what each has counted.
//
// A session is a named counter set that compiles join by carrying its id (ZCCACHE_SESSION_ID in
// their environment, sent in CompileRequest::session_id). Several sessions count independently;
// a compile counts in the one it names only. A session ends with `session-end`, or when no compile
// or command has named it for the inactivity timeout (a CI job that died before session-end), so
// that the daemon does not keep it, or stay up for it, forever.
//
// Counted per source (a multi-source compile counts each source): hits, misses (compiled and
// succeeded), errors (compiled and failed, or the client went away before reporting), passthrough
// by reason; the compile time the hits saved (the duration recorded when each result was stored),
// bytes of output files delivered by hits, and the kSlowest slowest misses.
//
// Thread-safe: one mutex; nothing under it does I/O except opening a session's files in start().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/daemon/append_file.h"
#include "zccache/daemon/journal_entry.h"

namespace zccache::daemon {

struct SessionOptions {
  bool stats = false;        // --stats: accepted for the original's idiom; stats are always kept
  std::string log_path;      // --log FILE (absolute), or empty
  std::string journal_path;  // --journal FILE (absolute), or empty
};

// Where a compile's journal entry goes besides the global journal.
struct SessionSinks {
  std::shared_ptr<AppendFile> journal;
  std::shared_ptr<AppendFile> log;
};

class SessionRegistry {
 public:
  static constexpr size_t kSlowest = 10;

  explicit SessionRegistry(std::chrono::seconds inactivity_timeout) : timeout_(inactivity_timeout) {}

  // Opens the session's files (created if absent, appended to otherwise) and returns its new id;
  // an error names a file that cannot be opened.
  Result<std::string> start(const SessionOptions& options, int64_t now_ns);
  // Counts one source's entry in session `id` (nothing when no such session is open) and returns
  // the session's files. `saved_ns` and `bytes` are the hit's compile time and delivered bytes.
  SessionSinks record(const std::string& id, const JournalEntry& entry, uint64_t saved_ns, uint64_t bytes,
                      int64_t now_ns);
  // The session's statistics as JSON; nullopt for an unknown id.
  std::optional<std::string> stats_json(const std::string& id, int64_t now_ns);
  // Ends the session and returns its final statistics; nullopt for an unknown id.
  std::optional<std::string> end(const std::string& id, int64_t now_ns);
  // Ends the sessions idle for longer than the timeout; returns how many.
  size_t expire(int64_t now_ns);
  size_t open_count() const;

 private:
  struct SlowMiss {
    int64_t duration_ns = 0;
    std::string source;
    std::string compiler;
    std::vector<std::string> args;
    std::string cwd;
  };
  struct Session {
    SessionOptions options;
    SessionSinks sinks;
    int64_t started_ns = 0;
    int64_t last_activity_ns = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t errors = 0;
    std::map<std::string, uint64_t> passthrough;
    uint64_t saved_ns = 0;
    uint64_t bytes_delivered = 0;
    std::vector<SlowMiss> slowest;  // longest first, at most kSlowest
  };
  static std::string to_json(const std::string& id, const Session& s, int64_t now_ns, bool ended);

  const std::chrono::seconds timeout_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // GUARDED_BY(mutex_)
};

// A new random session id: 32 hex digits (128 bits from std::random_device).
std::string new_session_id();

}  // namespace zccache::daemon
