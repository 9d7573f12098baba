#include "zccache/client/daemon_link.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <thread>

#include "zccache/base/posix_error.h"
#include "zccache/transport/unix_socket.h"

namespace zccache::client {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(2);

std::string daemon_binary() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "zccache-daemon";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "zccache-daemon";
}

// Double fork: the daemon is re-parented to init, in its own session, and never our zombie.
Status spawn_daemon(const transport::Endpoint& endpoint) {
  std::string binary = daemon_binary();
  pid_t child = ::fork();
  if (child < 0) return posix_error("fork", "");
  if (child == 0) {
    ::setsid();
    if (::fork() == 0) {
      int null_fd = ::open("/dev/null", O_RDWR);
      if (null_fd >= 0) {
        ::dup2(null_fd, STDIN_FILENO);
        ::dup2(null_fd, STDOUT_FILENO);
        ::dup2(null_fd, STDERR_FILENO);
      }
      // Keep no descriptor of the build (a make jobserver pipe held open would hang make).
      for (int fd = 3; fd < 1024; ++fd) ::close(fd);
      ::execl(binary.c_str(), binary.c_str(), "--cache-dir", endpoint.cache_dir.c_str(), nullptr);
      ::_exit(127);
    }
    ::_exit(0);
  }
  int status;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return {};
}

bool lock_with_timeout(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

}  // namespace

Result<UniqueFd> connect_existing(const transport::Endpoint& endpoint) {
  auto conn = transport::connect_unix(endpoint.socket_path);
  if (!conn.ok()) return conn;
  // The daemon receives our environment and tells us what to add to the compiler's command: it
  // must be our own, never one another user listens with where we look for ours.
  auto uid = transport::peer_uid(conn->get());
  if (!uid.ok()) return uid.error();
  if (*uid != ::getuid()) {
    return make_error(ErrorCode::kPermission, "the daemon at " + endpoint.socket_path + " runs as uid " +
                                                  std::to_string(*uid) + ", not as uid " +
                                                  std::to_string(::getuid()) + "; not using it");
  }
  return conn;
}

Result<UniqueFd> connect_or_start(const transport::Endpoint& endpoint) {
  auto conn = connect_existing(endpoint);
  if (conn.ok()) return conn;
  if (conn.error().code == ErrorCode::kPermission) return conn;  // not ours: starting one would not help
  ZCCACHE_TRY(transport::prepare_endpoint(endpoint));
  UniqueFd lock(::open(endpoint.start_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) return posix_error("open", endpoint.start_lock_path);
  if (!lock_with_timeout(lock.get(), kStartTimeout))
    return make_error(ErrorCode::kTimeout, "timed out waiting for another client to start the daemon");
  conn = connect_existing(endpoint);
  if (conn.ok()) return conn;
  ZCCACHE_TRY(spawn_daemon(endpoint));
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    conn = connect_existing(endpoint);
    if (conn.ok()) return conn;
    std::this_thread::sleep_for(kPollInterval);
  }
  return make_error(ErrorCode::kTimeout, "the daemon did not start (see " + endpoint.cache_dir + "/logs/daemon.log)");
}

std::chrono::milliseconds reply_timeout() {
  const char* v = std::getenv("ZCCACHE_TIMEOUT");
  if (v && *v) {
    char* end = nullptr;
    double s = std::strtod(v, &end);
    if (end && *end == '\0' && s > 0) return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
  }
  return std::chrono::seconds(10);
}

bool wait_for_daemon_exit(const transport::Endpoint& endpoint, std::chrono::milliseconds timeout) {
  UniqueFd lock(::open(endpoint.daemon_lock_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!lock.valid()) return true;
  if (!lock_with_timeout(lock.get(), timeout)) return false;
  ::flock(lock.get(), LOCK_UN);
  return true;
}

}  // namespace zccache::client
