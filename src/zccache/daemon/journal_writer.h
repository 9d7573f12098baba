// JournalWriter: renders journal entries (journal_entry.h) and appends them to their files on its
// own thread, so that a request never waits for a disk: submit() takes a mutex and moves the entry
// into a queue; the first entry of a batch wakes the thread, which lingers (kDefaultLinger) for
// the compiles that follow, then renders JSON and human lines and writes each file's batch with
// one write(2). A line reaches its file at most the linger after its compile was answered.
//
// Every entry goes to the global journal (ZCCACHE_DIR/logs/compile_journal.jsonl, rotated by
// size) and, when the compile belongs to a session that asked for them, to that session's
// --journal (the same JSON line) and --log (log_line()) files.
//
// Bounded: when the queue holds kMaxQueuedBytes (entries' approximate size) submit() drops the
// entry and counts it (dropped()), rather than let a stalled disk grow the daemon without end.
// Nothing is lost on a clean stop: stop() writes every queued entry before it returns.
//
// Thread-safe: submit(), flush() and dropped() from any thread. Without start() (unit tests),
// drain_once() does the thread's work on the caller's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "zccache/daemon/append_file.h"
#include "zccache/daemon/journal_entry.h"

namespace zccache::daemon {

class JournalWriter {
 public:
  // 64 MiB: about 30,000 entries of a typical compile (its environment dominates). A disk that
  // stalls longer than that many compiles loses lines, counted, instead of memory.
  static constexpr uint64_t kMaxQueuedBytes = 64u << 20;
  // How long the thread gathers entries after the first of a batch: 25 warm hits of a serial
  // build, or a parallel build's misses finishing together. flush() and stop() cut it short.
  static constexpr std::chrono::milliseconds kDefaultLinger{10};
  // A batch this large is written without waiting out the linger.
  static constexpr uint64_t kLingerBytes = 1u << 20;

  // `global`: the global journal, or null for none. `daemon_env`: the daemon's own environment,
  // against which each entry's env is diffed.
  JournalWriter(std::unique_ptr<AppendFile> global, EnvMap daemon_env, uint64_t max_queued_bytes = kMaxQueuedBytes,
                std::chrono::milliseconds linger = kDefaultLinger);
  ~JournalWriter();  // stop()
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  void start();
  // Writes everything queued, then stops the thread. Idempotent.
  void stop();

  // Queues one entry. `session_journal` / `session_log`: the session's files, or null. Returns
  // false when the queue was full and the entry was dropped.
  bool submit(JournalEntry entry, std::shared_ptr<AppendFile> session_journal,
              std::shared_ptr<AppendFile> session_log);
  // Returns once every entry submitted before the call is written (session-end uses it, so that
  // the session's files are complete when the command returns).
  void flush();
  // Writes what is queued now on the caller's thread (tests run without the thread).
  void drain_once();
  uint64_t dropped() const;
  // Batches written so far (tests).
  uint64_t batches() const;

 private:
  struct Item {
    JournalEntry entry;
    std::shared_ptr<AppendFile> session_journal;
    std::shared_ptr<AppendFile> session_log;
    uint64_t bytes = 0;
  };
  void run();
  // Renders and writes one batch. Called with write_mutex_ held, not mutex_.
  void write_batch(std::deque<Item>& batch);

  std::unique_ptr<AppendFile> global_;  // used under write_mutex_
  EnvFieldCache env_cache_;              // used under write_mutex_
  const EnvMap daemon_env_;
  const uint64_t max_queued_bytes_;
  const std::chrono::milliseconds linger_;

  std::mutex write_mutex_;  // one writer at a time (the thread, or drain_once())

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the thread: work or stop
  std::condition_variable written_;  // flush(): written_seq_ moved
  std::deque<Item> queue_;           // GUARDED_BY(mutex_)
  uint64_t queued_bytes_ = 0;        // GUARDED_BY(mutex_)
  uint64_t submitted_seq_ = 0;       // GUARDED_BY(mutex_): entries accepted so far
  uint64_t written_seq_ = 0;         // GUARDED_BY(mutex_): entries written (or failed) so far
  uint64_t dropped_ = 0;             // GUARDED_BY(mutex_)
  uint64_t batches_ = 0;             // GUARDED_BY(mutex_)
  int flushes_waiting_ = 0;          // GUARDED_BY(mutex_): flush() calls the linger must not hold up
  bool stopping_ = false;            // GUARDED_BY(mutex_)
  bool running_ = false;             // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace zccache::daemon
