// RemoteSpec: one remote cache named in ZCCACHE_REMOTE (or `zccache config remote`), parsed, and
// the redaction that keeps its credentials out of every log line, journal line and status output.
//
// Syntax (several URLs separated by spaces, tried in that order on a lookup, all written to):
//   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?OPTIONS]        default port 6379, db 0
//   http://[USER:PASSWORD@]HOST[:PORT][/PREFIX/][?OPTIONS]      GET/PUT/HEAD of PREFIX/<name>
//   https://...                                                  same, over TLS (libcurl)
// OPTIONS: connect-timeout=MS and timeout=MS (milliseconds, 1 to 60000), joined by '&'.
// Credentials may also come from the environment (ZCCACHE_REMOTE_USERNAME,
// ZCCACHE_REMOTE_PASSWORD), used for every remote whose URL carries none.
//
// Why these timeouts by default: a cache on the LAN answers in well under a millisecond, and a
// lookup costs a manifest, a result and the artifacts; a remote that does not answer must cost a
// build little more than a local miss. Redis: 50 ms to connect, 100 ms per command. HTTP (nginx,
// a proxy, TLS handshakes): 100 ms to connect, 500 ms per request. Both are per request, and the
// circuit breaker (circuit_breaker.h) stops asking a remote that keeps failing.
//
// Pure functions; thread-safe. No network access here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/result.h"

namespace zccache::remote {

enum class Kind : uint8_t { kRedis, kHttp };

struct RemoteSpec {
  Kind kind = Kind::kRedis;
  std::string scheme;  // "redis", "http" or "https"
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;
  int db = 0;            // redis only
  std::string path = "/";  // http only: the prefix, always starting and ending with '/'
  std::string username;  // secret: never printed (redacted())
  std::string password;  // secret: never printed (redacted())
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds request_timeout{0};

  // The URL with the credentials replaced by "***" and the options left out: what status, logs
  // and error messages show.
  std::string redacted() const;
  // http only: scheme://host:port/prefix/ (no credentials; libcurl gets those separately).
  std::string base_url() const;
};

inline constexpr std::chrono::milliseconds kRedisConnectTimeout{50};
inline constexpr std::chrono::milliseconds kRedisRequestTimeout{100};
inline constexpr std::chrono::milliseconds kHttpConnectTimeout{100};
inline constexpr std::chrono::milliseconds kHttpRequestTimeout{500};

struct EnvCredentials {
  std::string username;  // ZCCACHE_REMOTE_USERNAME
  std::string password;  // ZCCACHE_REMOTE_PASSWORD
};

// Parses a space-separated list (empty or blank: no remote). Errors are kInvalid with a message
// that names the offending URL in its redacted form.
Result<std::vector<RemoteSpec>> parse_remotes(std::string_view text, const EnvCredentials& env = {});
Result<RemoteSpec> parse_remote(std::string_view url, const EnvCredentials& env = {});

// Any text that may hold URLs (a config value, an error message): the user-info part of every
// "scheme://user:pass@" is replaced by "***". Used where a string is shown that did not parse.
std::string redact_urls(std::string_view text);

}  // namespace zccache::remote
