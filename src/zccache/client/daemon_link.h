// DaemonLink: the client's connection to the daemon of its cache directory, starting the daemon
// when none answers. Two clients racing to start one take turns on run/start.lock; the loser finds
// the winner's daemon when it gets the lock.
#pragma once

#include <chrono>

#include "zccache/base/result.h"
#include "zccache/base/unique_fd.h"
#include "zccache/transport/endpoint.h"

namespace zccache::client {

// Connects, or starts the daemon (zccache-daemon beside this binary) and connects. Errors of
// connect_existing, prepare_endpoint (a cache directory of another user), or the start.
Result<UniqueFd> connect_or_start(const transport::Endpoint& endpoint);
// Connects only; kNotFound when no daemon runs, kPermission when the socket is not ours to use
// or the process listening on it runs as another user (SO_PEERCRED).
Result<UniqueFd> connect_existing(const transport::Endpoint& endpoint);
// Waits until no daemon holds the instance lock (after a stop), up to `timeout`.
bool wait_for_daemon_exit(const transport::Endpoint& endpoint, std::chrono::milliseconds timeout);
// How long to wait for the daemon's reply before treating it as broken and working without it:
// ZCCACHE_TIMEOUT seconds, default 10 (a lookup may hash many headers and probe a new compiler).
std::chrono::milliseconds reply_timeout();

}  // namespace zccache::client
