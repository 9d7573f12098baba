// Unix-domain stream sockets: listen, connect, peer credentials. The only place that knows
// sockaddr_un. Paths longer than sun_path are refused with ErrorCode::kInvalid (callers choose a
// shorter path).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "zccache/base/result.h"
#include "zccache/base/unique_fd.h"

namespace zccache::transport {

// All calls are thread-safe (plain system calls) and retry on EINTR. Errors: kInvalid for a bad
// path, kNotFound for a missing path or a refused connection, kPermission for EACCES/EPERM,
// kTransport for any other socket failure; the message names the call, the path and strerror.

// Binds and listens at path (which must not exist: bind fails with EADDRINUSE; removing a stale
// socket is the caller's decision). The socket is CLOEXEC and blocking.
Result<UniqueFd> listen_unix(const std::string& path, int backlog = 128);
// Connects to path. kNotFound when nobody listens there (ENOENT/ECONNREFUSED). CLOEXEC, blocking.
Result<UniqueFd> connect_unix(const std::string& path);
// Accepts one connection (blocking). CLOEXEC. On a listener the caller made non-blocking, no
// pending connection is kTimeout.
Result<UniqueFd> accept_unix(int listen_fd);
// The uid of the peer process (SO_PEERCRED), as of its connect() or socketpair().
Result<uid_t> peer_uid(int fd);

}  // namespace zccache::transport
