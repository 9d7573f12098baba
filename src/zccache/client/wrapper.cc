#include "zccache/client/wrapper.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "zccache/base/log.h"
#include "zccache/base/version.h"
#include "zccache/client/daemon_link.h"
#include "zccache/os/file_info.h"
#include "zccache/os/process.h"
#include "zccache/transport/channel.h"

extern char** environ;

namespace zccache::client {
namespace {

using transport::Clock;

// A lookup may hash many headers and probe a new compiler once; a daemon that takes longer than
// this (ZCCACHE_TIMEOUT seconds, default 10) is treated as broken and the compiler runs uncached.
std::chrono::milliseconds reply_timeout() {
  const char* v = std::getenv("ZCCACHE_TIMEOUT");
  if (v && *v) {
    char* end = nullptr;
    double s = std::strtod(v, &end);
    if (end && *end == '\0' && s > 0) return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
  }
  return std::chrono::seconds(10);
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void exec_compiler(const std::string& compiler, const std::vector<std::string>& args) {
  std::vector<std::string> argv{compiler};
  argv.insert(argv.end(), args.begin(), args.end());
  Error e = os::exec_replace(argv);
  log::error(e.message);
  std::_Exit(127);
}

// Exits like the compiler did: with its code, or by the same signal.
[[noreturn]] void exit_like(const os::ProcessOutput& out) {
  if (out.term_signal != 0) {
    ::signal(out.term_signal, SIG_DFL);
    ::raise(out.term_signal);
  }
  std::_Exit(out.exit_code);
}

protocol::CompileRequest make_request(const std::string& compiler, const std::vector<std::string>& args) {
  protocol::CompileRequest req;
  req.client_version = kVersion;
  // Lets the end-to-end tests play a client of another version against a real daemon.
  if (const char* v = std::getenv("ZCCACHE_CLIENT_VERSION_FOR_TESTING")) req.client_version = v;
  req.compiler = compiler;
  req.args = args;
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd))) req.cwd = cwd;
  for (char** e = environ; *e; ++e) req.env.emplace_back(*e);
  mode_t mask = ::umask(0);
  ::umask(mask);
  req.umask = mask;
  req.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;
  if (const char* s = std::getenv("ZCCACHE_SESSION_ID")) req.session_id = s;
  return req;
}

// Sends the request and returns the reply; restarts a daemon of another version once.
Result<std::pair<UniqueFd, protocol::CompileReply>> ask_daemon(const protocol::CompileRequest& req) {
  transport::Endpoint endpoint = transport::endpoint_for(transport::default_cache_dir());
  const auto timeout = reply_timeout();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = connect_or_start(endpoint);
    if (!conn.ok()) return conn.error();
    ZCCACHE_TRY(transport::send_message(conn->get(), req, Clock::now() + timeout));
    auto msg = transport::receive_message(conn->get(), Clock::now() + timeout);
    if (!msg.ok()) return msg.error();
    auto* reply = std::get_if<protocol::CompileReply>(&*msg);
    if (!reply) return make_error(ErrorCode::kProtocol, "unexpected reply from daemon");
    if (reply->outcome != protocol::CompileOutcome::kVersionMismatch) {
      return std::make_pair(std::move(conn).value(), std::move(*reply));
    }
    log::debug("daemon is another version; restarting it");
    conn->reset();
    wait_for_daemon_exit(endpoint, std::chrono::seconds(10));
  }
  return make_error(ErrorCode::kProtocol, "daemon version mismatch persists");
}

}  // namespace

int run_wrapped_compile(const std::string& compiler, const std::vector<std::string>& args) {
  const char* disable = std::getenv("ZCCACHE_DISABLE");
  if (disable && *disable && std::string_view(disable) != "0") exec_compiler(compiler, args);

  protocol::CompileRequest req = make_request(compiler, args);
  auto asked = ask_daemon(req);
  if (!asked.ok()) {
    log::debug("running uncached: " + asked.error().message);
    exec_compiler(compiler, args);
  }
  auto& [conn, reply] = *asked;
  switch (reply.outcome) {
    case protocol::CompileOutcome::kHit:
      write_all(STDOUT_FILENO, reply.stdout_data);
      write_all(STDERR_FILENO, reply.stderr_data);
      return reply.exit_code;
    case protocol::CompileOutcome::kPassthrough:
      log::debug("passthrough: " + reply.reason);
      conn.reset();
      exec_compiler(compiler, args);
    case protocol::CompileOutcome::kMiss:
      break;
    case protocol::CompileOutcome::kVersionMismatch:
      exec_compiler(compiler, args);
  }

  std::vector<std::string> argv{compiler};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), reply.extra_args.begin(), reply.extra_args.end());
  int64_t start = os::now_realtime_ns();
  auto out = os::run_capture(argv);
  int64_t duration = os::now_realtime_ns() - start;
  if (!out.ok()) {
    log::error(out.error().message);
    return 127;
  }
  write_all(STDOUT_FILENO, out->stdout_data);
  write_all(STDERR_FILENO, out->stderr_data);

  protocol::StoreRequest store;
  store.miss_token = reply.miss_token;
  store.exit_code = out->exit_code;
  store.start_time_ns = start;
  store.duration_ns = duration;
  if (out->exit_code == 0) {
    store.stdout_data = std::move(out->stdout_data);
    store.stderr_data = std::move(out->stderr_data);
  }
  // The daemon copies the outputs before it answers, so waiting keeps a later build step from
  // touching them first. A lost daemon here costs nothing: the compile already succeeded.
  const auto timeout = reply_timeout();
  if (transport::send_message(conn.get(), store, Clock::now() + timeout).ok()) {
    (void)transport::receive_message(conn.get(), Clock::now() + timeout);
  }
  exit_like(*out);
}

}  // namespace zccache::client
