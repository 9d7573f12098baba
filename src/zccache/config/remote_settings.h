// RemoteSettings: which remote caches the daemon uses and whether it may write to them.
// Precedence as for max-size: the environment (ZCCACHE_REMOTE, ZCCACHE_REMOTE_ONLY_READ; set but
// empty counts as set: `ZCCACHE_REMOTE= zccache start` runs without the configured remote) over the
// config file (`remote = URL...`, `remote-only-read = true`) over the defaults (none; read-write).
// Read by the daemon when it starts. The URLs are returned as text: parsing them (and redacting
// their credentials) is remote/remote_spec.h's job. Pure; thread-safe.
#pragma once

#include <string>

#include "zccache/base/result.h"
#include "zccache/config/settings.h"

namespace zccache::config {

inline constexpr const char* kRemoteKey = "remote";
inline constexpr const char* kRemoteEnv = "ZCCACHE_REMOTE";
inline constexpr const char* kRemoteOnlyReadKey = "remote-only-read";
inline constexpr const char* kRemoteOnlyReadEnv = "ZCCACHE_REMOTE_ONLY_READ";

struct RemoteSettings {
  std::string urls;  // space-separated; empty: no remote
  Source urls_source = Source::kDefault;
  bool read_only = false;
  Source read_only_source = Source::kDefault;
};

// "1", "true", "yes", "on" / "0", "false", "no", "off" (any case); kInvalid otherwise.
Result<bool> parse_bool(std::string_view text);

// env_*: the variables' values, nullptr when unset. Errors (kInvalid): a malformed boolean, a
// malformed file.
Result<RemoteSettings> load_remote_settings(const std::string& cache_dir, const char* env_remote,
                                            const char* env_only_read);

}  // namespace zccache::config
