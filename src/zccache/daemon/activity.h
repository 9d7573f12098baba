// Activity: the daemon's record of what each compile did, for the global compile journal and the
// sessions (journal_entry.h, journal_writer.h, session_registry.h). The server calls it at three
// points of a request:
//   answered(): the CompileReply was sent: records the hits and the passthrough;
//   compiled(): a StoreRequest was staged: records the misses it covered (their exit code);
//   abandoned(): the connection ended: records the misses never reported (outcome error).
// Each costs copies of the request, a session-map update and a queue push; rendering and writing
// happen on the journal thread, so a hit never waits for a disk. answered() runs AFTER the reply,
// so that a hit's client is not kept waiting for its own accounting (with 283 arguments and a
// 60-variable environment to copy, that was a measurable part of a response-file hit). The server
// takes a Hold before sending such a reply and drops it once the accounting is done; session-stats
// and session-end wait for every Hold taken before them, so a session-end run after the build has
// finished still sees every compile of it.
//
// One journal line per source: a multi-source invocation (`cc -c a.c b.c`) gives one line per
// source with that source's single-source argv (`cc -c a.c`). The cache works per source (each is
// its own hit or miss, with its own compile time), the session counts are per source, and each
// line replays exactly its own compile; one line for the invocation could only say "mixed".
//
// latency_ns: from the request's arrival to its reply being sent (a hit, a passthrough); for a
// miss, to the reply to the StoreRequest that reported it (so it includes the compile).
//
// Thread-safe (the parts are).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "zccache/daemon/compile_event.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/journal_writer.h"
#include "zccache/daemon/session_registry.h"
#include "zccache/protocol/messages.h"

namespace zccache::daemon {

// When a request arrived, on both clocks.
struct RequestTime {
  int64_t realtime_ns = 0;                        // the journal's ts
  std::chrono::steady_clock::time_point arrived;  // latency_ns

  static RequestTime now();
};

class Activity {
 public:
  Activity(JournalWriter& journal, SessionRegistry& sessions) : journal_(journal), sessions_(sessions) {}

  // Accounting still to come for a reply already sent (see above). Movable, released once.
  class Hold {
   public:
    Hold(Activity* owner, uint64_t ticket) : owner_(owner), ticket_(ticket) {}
    Hold(Hold&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), ticket_(other.ticket_) {}
    Hold& operator=(Hold&&) = delete;
    ~Hold() {
      if (owner_) owner_->release(ticket_);
    }

   private:
    Activity* owner_;
    uint64_t ticket_;
  };
  Hold hold();
  // Waits (bounded) until every Hold taken before this call is released.
  void wait_for_earlier_holds();
  // Session commands waiting for earlier Holds now (tests).
  size_t waiting_commands();

  // The request's strings (argv, environment, ...) move into the journal entries: the caller is
  // done with it, and copying the caller's environment per hit was most of this call's time.
  void answered(protocol::CompileRequest&& request, const protocol::CompileReply& reply, const CompileEvent& event,
                const RequestTime& time);
  void compiled(const PendingMiss& miss, const protocol::StoreRequest& store, const RequestTime& time);
  void abandoned(const PendingMiss& miss, const RequestTime& time);
  // The uploader sent (or dropped) a miss's result: an "upload" line (any thread).
  void uploaded(UploadReport report);

  // kSessionStart, kSessionStats, kSessionEnd. Errors come back as {"error": "..."}.
  protocol::CommandReply command(const protocol::CommandRequest& request);
  // Ends sessions idle past their timeout.
  void tick(int64_t now_ns) { sessions_.expire(now_ns); }
  size_t open_sessions() const { return sessions_.open_count(); }
  uint64_t journal_dropped() const { return journal_.dropped(); }

 private:
  void release(uint64_t ticket);
  void record(JournalEntry entry, uint64_t saved_ns, uint64_t bytes);
  JournalEntry entry_for(const protocol::CompileRequest& request, const RequestTime& time) const;  // copies
  JournalEntry entry_from(protocol::CompileRequest&& request, const RequestTime& time) const;  // moves
  void record_unit_miss(const PendingMiss& miss, const MissUnit& unit, JournalOutcome outcome,
                        std::optional<int32_t> exit_code, int64_t compile_ns, const RequestTime& time);

  JournalWriter& journal_;
  SessionRegistry& sessions_;
  std::mutex holds_mutex_;
  std::condition_variable holds_released_;
  uint64_t next_ticket_ = 0;  // GUARDED_BY(holds_mutex_)
  std::set<uint64_t> held_;   // GUARDED_BY(holds_mutex_): tickets not yet released
  size_t waiting_ = 0;        // GUARDED_BY(holds_mutex_)
};

}  // namespace zccache::daemon
