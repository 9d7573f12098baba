// Server: the daemon's accept loop and connection handling.
//
// Thread roles:
// - the main thread (run()): every 2 s (or at stop()) saves changed counters, expires sessions and
//   checks the idle timeout;
// - acceptor threads (accept_loop()): block in accept() and serve the connection they get
//   (serve(): read one request, answer it; for a miss, wait on the same connection for the Store
//   message and record the result); stop() wakes them with empty connections;
// - the maintenance thread (maintenance.h): settings reload, last-use flushes, eviction;
// - the journal thread (journal_writer.h): renders and appends the compile journal lines.
// Shared state lives in CacheParts (each part is thread-safe) and in the atomics below.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "zccache/base/unique_fd.h"
#include "zccache/daemon/activity.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/fingerprint_handler.h"
#include "zccache/daemon/maintenance.h"
#include "zccache/protocol/messages.h"
#include "zccache/transport/endpoint.h"

namespace zccache::daemon {

class Server {
 public:
  Server(transport::Endpoint endpoint, CacheParts parts, Maintenance& maintenance, Activity& activity,
         UniqueFd listen_fd, std::chrono::seconds idle_timeout);

  // Serves until stop() (a `stop` command, SIGTERM, a newer client) or the idle timeout, which
  // waits while a session is open (a CI job between its compiles; sessions expire on their own).
  void run();
  // From any thread (not a signal handler): run() and the acceptors return soon after.
  void stop();

 private:
  void wake_acceptors();
  void start_acceptor();
  void accept_loop();
  void serve(UniqueFd conn);
  protocol::CommandReply command(const protocol::CommandRequest& req);
  std::string status_json();
  void persist_stats();

  transport::Endpoint endpoint_;
  CacheParts parts_;
  Maintenance& maintenance_;
  Activity& activity_;
  CompileHandler handler_;
  FingerprintHandler fingerprints_;  // zccache-fp's requests
  UniqueFd listen_fd_;
  std::chrono::seconds idle_timeout_;
  const uid_t uid_ = ::getuid();  // ours, asked once: a connection from another uid is refused
  // ZCCACHE_RECORD_DELAY_MS_FOR_TESTING: how long a miss's record() waits after its client was let
  // go, so that end-to-end tests can change the tree in between (as a build that goes on does).
  const std::chrono::milliseconds record_delay_for_testing_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;              // with stop_cv_: run() sleeps until its next chore or stop()
  std::condition_variable stop_cv_;
  std::atomic<int> active_{0};   // connections being served
  std::atomic<int> threads_{0};  // acceptor threads alive
  std::atomic<int> waiting_{0};  // of those, waiting in accept()
  std::atomic<int64_t> last_activity_ns_{0};
  int64_t started_ns_ = 0;
  std::mutex persist_mutex_;
  std::string persisted_stats_;   // GUARDED_BY(persist_mutex_): what the index holds
  std::string persisted_remote_;  // GUARDED_BY(persist_mutex_)
};

// Entry point of zccache-daemon.
int run_daemon(int argc, char** argv);

}  // namespace zccache::daemon
