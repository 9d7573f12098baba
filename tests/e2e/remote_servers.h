// Real cache servers for the remote-tier scenarios (issue 10), started by the tests on loopback
// ports in a temporary directory and killed when the object goes: redis-server, nginx with a
// WebDAV PUT location, and a "silent" server (python) that accepts connections and never answers.
// A test skips (GTEST_SKIP) only when the server's binary is not installed.
// Not thread-safe; one per test.
#pragma once

#include <sys/types.h>

#include <memory>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace zccache::e2e {

class ServerProcess {
 public:
  // Starts argv[0] (searched in PATH) with stdout and stderr appended to `log_path`, and waits (up
  // to 20 s) until 127.0.0.1:port accepts connections. nullptr when it did not come up.
  static std::unique_ptr<ServerProcess> start(const std::vector<std::string>& argv, const std::string& log_path,
                                              int port);
  ~ServerProcess();  // kill()
  // SIGKILL and reap; idempotent.
  void kill();
  int port() const { return port_; }
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

// A loopback TCP port that nothing listens on right now.
int free_loopback_port();

enum class Backend { kRedis, kHttp };
// For gtest's messages ("where GetParam() = redis").
inline void PrintTo(Backend b, std::ostream* os) { *os << (b == Backend::kRedis ? "redis" : "http"); }

// One server of a backend, in its own directory. For kHttp, `url()` is a WebDAV location that
// accepts PUT; `error_url()` a location that answers every request with HTTP 500.
// For kRedis, a non-empty `password` starts the server with requirepass.
class CacheServer {
 public:
  static std::string binary(Backend backend);  // "redis-server" or "nginx"
  static bool installed(Backend backend);
  // nullptr (with the reason in *why) when it cannot be started.
  static std::unique_ptr<CacheServer> start(Backend backend, const std::string& dir, std::string* why,
                                            const std::string& password = {});

  // `options` is appended as the URL's query ("timeout=5000").
  std::string url(const std::string& options = {}) const;
  std::string error_url(const std::string& options = {}) const;
  // Names stored on the server (as the remote tier names them: "zc1/a/<hex>", ...).
  std::vector<std::string> names() const;
  // Flips one byte of every stored artifact ("zc1/a/...").
  void corrupt_artifacts() const;
  void kill() { process_->kill(); }
  std::string log() const { return process_->log(); }
  int port() const { return process_->port(); }

 private:
  Backend backend_ = Backend::kRedis;
  std::string dir_;
  std::string password_;
  std::unique_ptr<ServerProcess> process_;
};

// A server that accepts TCP connections and never reads or answers (python3); nullptr when python3
// is missing or it did not come up.
std::unique_ptr<ServerProcess> start_silent_server(const std::string& dir);

}  // namespace zccache::e2e
