#include "zccache/transport/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "zccache/base/posix_error.h"

namespace zccache::transport {
namespace {

// errno -> Error for socket calls: the operation, the path and strerror, with a code a caller can
// act on (a missing or dead daemon is kNotFound: start one).
Error socket_error(std::string_view operation, std::string_view path, int err) {
  Error e = posix_error(operation, path, err);
  switch (err) {
    case ENOENT:
    case ECONNREFUSED:
      e.code = ErrorCode::kNotFound;
      break;
    case EACCES:
    case EPERM:
      e.code = ErrorCode::kPermission;
      break;
    default:
      e.code = ErrorCode::kTransport;
      break;
  }
  return e;
}

// Fills addr for path. sun_path must hold the path and its NUL; an empty path would mean Linux's
// autobind (abstract namespace), which we never want.
Result<socklen_t> make_address(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.empty()) return make_error(ErrorCode::kInvalid, "unix socket path is empty");
  if (path.size() >= sizeof addr.sun_path) {
    return make_error(ErrorCode::kInvalid, "unix socket path " + path + " is " +
                                               std::to_string(path.size()) +
                                               " bytes; the limit is " +
                                               std::to_string(sizeof addr.sun_path - 1));
  }
  if (path.find('\0') != std::string::npos) {
    return make_error(ErrorCode::kInvalid, "unix socket path contains a NUL byte");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

Result<UniqueFd> new_socket(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return socket_error("socket() for", path, errno);
  return fd;
}

// A connect() interrupted by a signal keeps going in the kernel; calling it again would report
// EALREADY. Wait for the socket to become writable and read the outcome from SO_ERROR instead.
int finish_interrupted_connect(int fd) {
  pollfd pfd{fd, POLLOUT, 0};
  for (;;) {
    int n = ::poll(&pfd, 1, -1);
    if (n >= 0) break;
    if (errno != EINTR) return errno;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

}  // namespace

Result<UniqueFd> listen_unix(const std::string& path, int backlog) {
  sockaddr_un addr;
  auto len = make_address(path, addr);
  if (!len.ok()) return len.error();
  auto fd = new_socket(path);
  if (!fd.ok()) return fd.error();
  if (::bind(fd->get(), reinterpret_cast<const sockaddr*>(&addr), *len) != 0) {
    return socket_error("bind", path, errno);
  }
  if (::listen(fd->get(), backlog) != 0) {
    Error e = socket_error("listen", path, errno);
    ::unlink(path.c_str());  // we created it just now; do not leave a dead socket file behind
    return e;
  }
  return std::move(fd).value();
}

Result<UniqueFd> connect_unix(const std::string& path) {
  sockaddr_un addr;
  auto len = make_address(path, addr);
  if (!len.ok()) return len.error();
  auto fd = new_socket(path);
  if (!fd.ok()) return fd.error();
  if (::connect(fd->get(), reinterpret_cast<const sockaddr*>(&addr), *len) != 0) {
    int err = errno;
    if (err == EINTR) err = finish_interrupted_connect(fd->get());
    if (err != 0) return socket_error("connect", path, err);
  }
  return std::move(fd).value();
}

Result<UniqueFd> accept_unix(int listen_fd) {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) return UniqueFd(fd);
    // A signal, or a client that gave up between its connect() and our accept(): wait for the
    // next one.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return make_error(ErrorCode::kTimeout, "accept: no pending connection");
    }
    return socket_error("accept", "", errno);
  }
}

Result<uid_t> peer_uid(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return socket_error("getsockopt(SO_PEERCRED)", "", errno);
  }
  if (len != sizeof cred) {
    return make_error(ErrorCode::kTransport, "getsockopt(SO_PEERCRED) returned a short struct");
  }
  return cred.uid;
}

}  // namespace zccache::transport
