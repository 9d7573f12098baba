// Endpoint: where a client finds the daemon of a cache directory, and the lock files that keep one
// daemon per directory. The client and the daemon both derive it from the cache directory alone,
// so they always agree.
//
//   <cache>/run/              mode 0700: only the owner can reach the socket
//   <cache>/run/daemon.sock   the daemon's socket
//   <cache>/run/start.lock    clients hold it (flock) while they start a daemon
//   <cache>/run/daemon.lock   the running daemon holds it (flock) for its lifetime
//
// sun_path holds 108 bytes; when <cache>/run/daemon.sock is longer, the socket goes to
// /tmp/zccache-<uid>/<hash of the cache path>.sock (that directory is 0700 and must be ours).
#pragma once

#include <string>

#include "zccache/base/result.h"

namespace zccache::transport {

struct Endpoint {
  std::string cache_dir;
  std::string run_dir;
  std::string socket_path;
  std::string start_lock_path;
  std::string daemon_lock_path;
};

// $ZCCACHE_DIR, else $HOME/.zccache. Made absolute against the working directory.
std::string default_cache_dir();
Endpoint endpoint_for(const std::string& cache_dir);
// Creates the cache and run directories (0700) and, when used, the /tmp socket directory.
// kPermission, before anything is created in it, for a cache directory that another user owns
// (itself, or as the target or owner of a symlink; root may own the symlink), and for a run or
// socket directory that is not ours. A world-writable cache directory of ours loses that bit.
Status prepare_endpoint(const Endpoint& endpoint);

}  // namespace zccache::transport
