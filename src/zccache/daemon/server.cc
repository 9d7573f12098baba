#include "zccache/daemon/server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <cstdlib>
#include <thread>

#include "zccache/base/log.h"
#include "zccache/base/version.h"
#include "zccache/os/file_info.h"
#include "zccache/transport/channel.h"
#include "zccache/transport/unix_socket.h"

namespace zccache::daemon {
namespace {

using transport::Clock;

// A request arrives right after connect; the Store after a miss waits as long as a compile can run.
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr auto kCompileTimeout = std::chrono::hours(24);
constexpr auto kReplyTimeout = std::chrono::seconds(30);

std::chrono::milliseconds record_delay_for_testing() {
  const char* v = std::getenv("ZCCACHE_RECORD_DELAY_MS_FOR_TESTING");
  return std::chrono::milliseconds(v ? std::strtol(v, nullptr, 10) : 0);
}

// True when the client has already closed its end: it gave up waiting (ZCCACHE_TIMEOUT, e.g. the
// daemon was stopped) and ran the compiler itself, so its request must not deliver outputs now.
bool client_gone(int fd) {
  struct pollfd pfd = {fd, POLLRDHUP, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

}  // namespace

Server::Server(transport::Endpoint endpoint, CacheParts parts, Maintenance& maintenance, Activity& activity,
               UniqueFd listen_fd, std::chrono::seconds idle_timeout)
    : endpoint_(std::move(endpoint)),
      parts_(parts),
      maintenance_(maintenance),
      activity_(activity),
      handler_(parts),
      fingerprints_(parts.files, parts.listings, parts.watcher),
      listen_fd_(std::move(listen_fd)),
      idle_timeout_(idle_timeout),
      record_delay_for_testing_(record_delay_for_testing()) {
  started_ns_ = os::now_realtime_ns();
  last_activity_ns_ = started_ns_;
}

void Server::run() {
  start_acceptor();
  // Chores every 2 s (or as often as a shorter idle timeout needs); nothing else wakes this thread
  // but stop().
  const auto chore_interval = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(2), idle_timeout_.count() > 0 ? std::chrono::milliseconds(idle_timeout_) : std::chrono::seconds(2));
  {
    std::unique_lock lock(stop_mutex_);
    while (!stopping_) {
      if (stop_cv_.wait_for(lock, chore_interval, [this] { return stopping_.load(); })) break;
      lock.unlock();
      int64_t now = os::now_realtime_ns();
      persist_stats();  // writes only what changed
      activity_.tick(now);
      bool idle = active_ == 0 && activity_.open_sessions() == 0 && idle_timeout_.count() > 0 &&
                  now - last_activity_ns_ > std::chrono::nanoseconds(idle_timeout_).count();
      lock.lock();
      if (idle) {
        log::debug("idle timeout");
        break;
      }
    }
  }
  stop();
  // Let in-flight requests finish (a miss being stored), bounded. An acceptor that had not yet
  // reached accept() when stop() counted the waiting ones gets its empty connection here.
  for (int i = 0; i < 100 && (active_ > 0 || threads_ > 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    wake_acceptors();
  }
  persist_stats();
}

void Server::stop() {
  {
    std::lock_guard lock(stop_mutex_);  // so that run() cannot miss the notification
    stopping_ = true;
  }
  stop_cv_.notify_all();
  wake_acceptors();
}

// Acceptors block in accept() without a timeout (an idle daemon does not wake up): each one waiting
// gets a connection that says nothing, serves it (a closed connection: nothing to do) and sees
// stopping_. Shutting the listening socket down instead would refuse the clients that connect
// meanwhile; they would try to start a daemon while this one still holds the instance lock and
// wait out the start timeout, where now they are served or, once we exit, fall back at once.
void Server::wake_acceptors() {
  for (int i = waiting_.load(); i > 0; --i) (void)transport::connect_unix(endpoint_.socket_path);
}

void Server::start_acceptor() {
  ++threads_;
  std::thread([this] {
    accept_loop();
    --threads_;
  }).detach();
}

// Leader/followers: the threads waiting in accept() are woken one at a time by the kernel, and the
// one that got a connection serves it itself, so a request reaches its thread without a hand-off
// (one wake-up and one futex fewer on a warm hit's path than an accept thread passing it on). A
// thread that takes a connection while no other waits starts one first, so that a long request (a
// miss waits for its compile) never holds up the next; spare threads end after serving.
void Server::accept_loop() {
  while (!stopping_) {
    ++waiting_;
    auto conn = transport::accept_unix(listen_fd_.get());
    --waiting_;
    if (!conn.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // EMFILE, ENOBUFS: do not spin on it
      continue;
    }
    last_activity_ns_ = os::now_realtime_ns();
    ++active_;
    if (waiting_ == 0 && !stopping_) start_acceptor();
    serve(std::move(conn).value());
    last_activity_ns_ = os::now_realtime_ns();
    --active_;
    if (waiting_ >= 2) return;
  }
}

void Server::serve(UniqueFd conn) {
  auto uid = transport::peer_uid(conn.get());
  if (!uid.ok() || *uid != uid_) {  // another user: close without a word
    log::debug("refused a connection from uid " + (uid.ok() ? std::to_string(*uid) : uid.error().message));
    return;
  }

  auto msg = transport::receive_message(conn.get(), Clock::now() + kRequestTimeout);
  if (!msg.ok()) {
    if (msg.error().code == ErrorCode::kProtocol) {
      (void)transport::send_message(conn.get(), protocol::ErrorReply{msg.error().message},
                                    Clock::now() + kReplyTimeout);
    }
    return;
  }
  if (auto* req = std::get_if<protocol::CompileRequest>(&*msg)) {
    if (client_gone(conn.get())) return;
    const RequestTime time = RequestTime::now();
    protocol::CompileReply reply;
    if (req->client_version != kVersion) {
      reply.outcome = protocol::CompileOutcome::kVersionMismatch;
      (void)transport::send_message(conn.get(), reply, Clock::now() + kReplyTimeout);
      stop();
      return;
    }
    CompileEvent event;
    auto miss = handler_.begin(*req, reply, &event);
    bool sent;
    {
      auto accounting = activity_.hold();  // activity.h: the reply first, its accounting after
      sent = transport::send_message(conn.get(), reply, Clock::now() + kReplyTimeout).ok();
      handler_.prepare_repeat(event, req->cwd);  // under the Hold: `status` waits for it too
      activity_.answered(std::move(*req), reply, event, time);  // the last use of the request
    }
    if (!sent || !miss) {
      if (miss) activity_.abandoned(*miss, time);
      return;
    }
    // One StoreRequest per compile the client runs for this request (several only for kMulti).
    while (!miss->done()) {
      auto store = transport::receive_message(conn.get(), Clock::now() + kCompileTimeout);
      if (!store.ok()) break;  // the client went away: record what was staged
      auto* store_req = std::get_if<protocol::StoreRequest>(&*store);
      if (!store_req || store_req->miss_token != reply.miss_token) break;
      protocol::StoreReply stored = handler_.stage(*miss, *store_req);
      activity_.compiled(*miss, *store_req, time);
      (void)transport::send_message(conn.get(), stored, Clock::now() + kReplyTimeout);
    }
    activity_.abandoned(*miss, time);  // the units no StoreRequest reported
    conn.reset();  // the client may exit now; recording continues
    if (record_delay_for_testing_.count() > 0) std::this_thread::sleep_for(record_delay_for_testing_);
    handler_.record(*miss);
    return;
  }
  if (auto* ex = std::get_if<protocol::ExplainRequest>(&*msg)) {
    protocol::CommandReply reply{handler_.explain(*ex)};
    (void)transport::send_message(conn.get(), reply, Clock::now() + kReplyTimeout);
    return;
  }
  if (auto* fp = std::get_if<protocol::FingerprintRequest>(&*msg)) {
    FingerprintAnswer answer = fingerprints_.answer(*fp);
    (void)transport::send_message(conn.get(), answer.reply, Clock::now() + kReplyTimeout);
    conn.reset();  // zccache-fp goes on; what it did not know is hashed for its next check
    fingerprints_.warm(answer.to_hash, stopping_);
    return;
  }
  if (auto* cmd = std::get_if<protocol::CommandRequest>(&*msg)) {
    (void)transport::send_message(conn.get(), command(*cmd), Clock::now() + kReplyTimeout);
    return;
  }
  (void)transport::send_message(conn.get(), protocol::ErrorReply{"unexpected message"}, Clock::now() + kReplyTimeout);
}

protocol::CommandReply Server::command(const protocol::CommandRequest& req) {
  protocol::CommandReply reply;
  switch (req.command) {
    case protocol::Command::kPing:
      reply.json = nlohmann::json{{"version", kVersion}, {"pid", ::getpid()}}.dump();
      break;
    case protocol::Command::kStatus:
      activity_.wait_for_earlier_holds();  // the counters include every compile already answered
      reply.json = status_json();
      break;
    case protocol::Command::kStop:
      stop();
      reply.json = R"({"stopping":true})";
      break;
    case protocol::Command::kClear: {
      parts_.usage.clear_pending();
      Status a = parts_.index.clear(/*include_meta=*/false);
      Status b = parts_.artifacts.clear();
      maintenance_.forget_measurement();
      parts_.stats.reset();
      if (parts_.remote) parts_.remote->reset_counters();
      parts_.files.clear();
      parts_.listings.clear();
      handler_.clear_memo();
      persist_stats();
      nlohmann::json j{{"cleared", a.ok() && b.ok()}};
      if (!a.ok()) j["error"] = a.error().message;
      if (!b.ok()) j["error"] = b.error().message;
      reply.json = j.dump();
      break;
    }
    case protocol::Command::kZeroStats:
      parts_.stats.reset();
      if (parts_.remote) parts_.remote->reset_counters();
      persist_stats();
      reply.json = R"({"zeroed":true})";
      break;
    case protocol::Command::kSessionStart:
    case protocol::Command::kSessionStats:
    case protocol::Command::kSessionEnd:
      reply = activity_.command(req);
      break;
  }
  return reply;
}

std::string Server::status_json() {
  auto j = nlohmann::json::parse(parts_.stats.to_json());
  j["daemon_running"] = true;
  j["version"] = kVersion;
  j["cache_dir"] = endpoint_.cache_dir;
  j["pid"] = ::getpid();
  auto entries = parts_.index.count(store::Table::kResults);
  j["entries"] = entries.ok() ? *entries : 0;
  // The estimate, not a walk of every blob: status stays cheap on a large cache (maintenance.h).
  j["size_bytes"] = parts_.artifacts.size_estimate() + parts_.index.size_bytes();
  j["max_size_bytes"] = maintenance_.limit_bytes();
  j["uptime_s"] = (os::now_realtime_ns() - started_ns_) / 1'000'000'000;
  j["tracked_files"] = parts_.files.size();
  j["watched_dirs"] = parts_.watcher ? parts_.watcher->watched_count() : 0;
  j["memo_bytes"] = handler_.memo_bytes();
  j["open_sessions"] = activity_.open_sessions();
  j["journal_dropped"] = activity_.journal_dropped();
  if (parts_.remote) j["remote"] = parts_.remote->status_json();
  return j.dump();
}

// Only what changed since the last write: an idle daemon committed (and fdatasync'ed) the same
// counters every 2 s, for as long as it ran.
void Server::persist_stats() {
  std::string stats = parts_.stats.to_json();
  std::string remote = parts_.remote ? parts_.remote->counters_json() : std::string();
  std::lock_guard lock(persist_mutex_);
  if (stats != persisted_stats_ && parts_.index.put(store::Table::kMeta, "stats", stats).ok()) {
    persisted_stats_ = std::move(stats);
  }
  if (parts_.remote && remote != persisted_remote_ &&
      parts_.index.put(store::Table::kMeta, kRemoteStatsKey, remote).ok()) {
    persisted_remote_ = std::move(remote);
  }
}

}  // namespace zccache::daemon
