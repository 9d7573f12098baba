#include "zccache/daemon/activity.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "zccache/os/file_info.h"

namespace zccache::daemon {
namespace {

int64_t since(const RequestTime& time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - time.arrived).count();
}

protocol::CommandReply error_reply(const std::string& message) {
  return protocol::CommandReply{nlohmann::json{{"error", message}}.dump()};
}

}  // namespace

Activity::Hold Activity::hold() {
  std::lock_guard lock(holds_mutex_);
  const uint64_t ticket = next_ticket_++;
  held_.insert(ticket);
  return Hold(this, ticket);
}

void Activity::release(uint64_t ticket) {
  std::lock_guard lock(holds_mutex_);
  held_.erase(ticket);
  holds_released_.notify_all();
}

void Activity::wait_for_earlier_holds() {
  std::unique_lock lock(holds_mutex_);
  const uint64_t before = next_ticket_;
  ++waiting_;
  // Accounting takes microseconds; the bound only guards against a bug keeping a Hold forever.
  holds_released_.wait_for(lock, std::chrono::seconds(5),
                           [&] { return held_.empty() || *held_.begin() >= before; });
  --waiting_;
}

size_t Activity::waiting_commands() {
  std::lock_guard lock(holds_mutex_);
  return waiting_;
}

RequestTime RequestTime::now() { return RequestTime{os::now_realtime_ns(), std::chrono::steady_clock::now()}; }

JournalEntry Activity::entry_for(const protocol::CompileRequest& request, const RequestTime& time) const {
  return entry_from(protocol::CompileRequest(request), time);
}

JournalEntry Activity::entry_from(protocol::CompileRequest&& request, const RequestTime& time) const {
  JournalEntry e;
  e.ts_ns = time.realtime_ns;
  e.compiler = std::move(request.compiler);
  e.args = std::move(request.args);
  e.cwd = std::move(request.cwd);
  e.env = std::move(request.env);
  e.session_id = std::move(request.session_id);
  e.latency_ns = since(time);
  return e;
}

void Activity::record(JournalEntry entry, uint64_t saved_ns, uint64_t bytes) {
  SessionSinks sinks;
  if (!entry.session_id.empty()) {
    sinks = sessions_.record(entry.session_id, entry, saved_ns, bytes, os::now_realtime_ns());
  }
  journal_.submit(std::move(entry), std::move(sinks.journal), std::move(sinks.log));
}

void Activity::answered(protocol::CompileRequest&& request, const protocol::CompileReply& reply,
                        const CompileEvent& event, const RequestTime& time) {
  using protocol::CompileOutcome;
  if (reply.outcome == CompileOutcome::kPassthrough) {
    JournalEntry e = entry_from(std::move(request), time);
    e.outcome = JournalOutcome::kPassthrough;
    e.reason = reply.reason;
    record(std::move(e), 0, 0);  // exit_code null: the client execs the compiler
    return;
  }
  if (reply.outcome != CompileOutcome::kHit && reply.outcome != CompileOutcome::kMulti) return;
  for (const UnitHit& hit : event.hits) {
    // The last entry takes the request's strings; a multi-source request's others copy them.
    JournalEntry e = &hit == &event.hits.back() ? entry_from(std::move(request), time) : entry_for(request, time);
    e.outcome = event.link ? JournalOutcome::kLinkHit : JournalOutcome::kHit;
    if (!hit.args.empty()) e.args = hit.args;
    // A multi-source hit was stored by a successful compile; a single one replays its code.
    e.exit_code = reply.outcome == CompileOutcome::kHit && event.hits.size() == 1 ? reply.exit_code : 0;
    e.remote = hit.remote;
    record(std::move(e), hit.compile_time_ns, hit.bytes_delivered);
  }
}

void Activity::record_unit_miss(const PendingMiss& miss, const MissUnit& unit, JournalOutcome outcome,
                                std::optional<int32_t> exit_code, int64_t compile_ns, const RequestTime& time) {
  JournalEntry e = entry_for(miss.request, time);
  e.outcome = outcome;
  if (miss.multi) e.args = unit.plan.args;  // this source's single-source argv
  e.exit_code = exit_code;
  e.source = unit.plan.source;
  e.compile_ns = compile_ns;
  e.remote = unit.remote;
  if (outcome == JournalOutcome::kMiss) e.upload = unit.upload_note;
  record(std::move(e), 0, 0);
}

void Activity::uploaded(UploadReport report) {
  JournalEntry e;
  e.ts_ns = os::now_realtime_ns();
  e.outcome = JournalOutcome::kUpload;
  e.compiler = std::move(report.origin.compiler);
  e.args = std::move(report.origin.args);
  e.cwd = std::move(report.origin.cwd);
  e.session_id = std::move(report.origin.session_id);
  e.latency_ns = report.latency_ns;
  e.remote = std::move(report.attempts);
  record(std::move(e), 0, 0);
}

void Activity::compiled(const PendingMiss& miss, const protocol::StoreRequest& store, const RequestTime& time) {
  const JournalOutcome outcome = store.exit_code != 0 ? JournalOutcome::kError
                                 : miss.link || miss.emcc_link ? JournalOutcome::kLinkMiss
                                                     : JournalOutcome::kMiss;
  if (!miss.multi) {
    if (!miss.units.empty()) record_unit_miss(miss, miss.units[0], outcome, store.exit_code, store.duration_ns, time);
    return;
  }
  // The process's duration shared among its sources, as the stored compile_time_ns is.
  const int64_t each_ns = store.duration_ns / static_cast<int64_t>(std::max<size_t>(store.units.size(), 1));
  for (uint32_t index : store.units) {
    auto it = std::find_if(miss.units.begin(), miss.units.end(), [&](const MissUnit& u) { return u.index == index; });
    if (it != miss.units.end()) record_unit_miss(miss, *it, outcome, store.exit_code, each_ns, time);
  }
}

void Activity::abandoned(const PendingMiss& miss, const RequestTime& time) {
  for (const MissUnit& unit : miss.units) {
    if (!unit.compiled) record_unit_miss(miss, unit, JournalOutcome::kError, std::nullopt, 0, time);
  }
}

protocol::CommandReply Activity::command(const protocol::CommandRequest& request) {
  const std::vector<std::string>& args = request.args.values;
  const int64_t now = os::now_realtime_ns();
  switch (request.command) {
    case protocol::Command::kSessionStart: {
      SessionOptions options;
      for (const std::string& a : args) {
        if (a == "stats") {
          options.stats = true;
        } else if (a.rfind("log=", 0) == 0) {
          options.log_path = a.substr(4);
        } else if (a.rfind("journal=", 0) == 0) {
          options.journal_path = a.substr(8);
        } else {
          return error_reply("unknown session option '" + a + "'");
        }
      }
      auto id = sessions_.start(options, now);
      if (!id.ok()) return error_reply(id.error().message);
      return protocol::CommandReply{nlohmann::json{{"session_id", *id}}.dump()};
    }
    case protocol::Command::kSessionStats:
    case protocol::Command::kSessionEnd: {
      if (args.size() != 1) return error_reply("expected one session id");
      const bool end = request.command == protocol::Command::kSessionEnd;
      wait_for_earlier_holds();  // the compiles already answered are counted first
      auto json = end ? sessions_.end(args[0], now) : sessions_.stats_json(args[0], now);
      if (!json) return error_reply("unknown session '" + args[0] + "' (ended, expired, or of a daemon since restarted)");
      // The session's files are complete when the command returns.
      journal_.flush();
      return protocol::CommandReply{*json};
    }
    default:
      return error_reply("not a session command");
  }
}

}  // namespace zccache::daemon
