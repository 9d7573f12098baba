// Settings: the effective configuration of one cache directory. Precedence: the environment
// (ZCCACHE_MAX_SIZE) over the config file (<cache dir>/config) over the defaults.
// Pure functions of their arguments and the file; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "zccache/base/result.h"

namespace zccache::config {

// As ccache: 5 GiB.
inline constexpr uint64_t kDefaultMaxSizeBytes = uint64_t{5} << 30;
inline constexpr const char* kMaxSizeKey = "max-size";
inline constexpr const char* kMaxSizeEnv = "ZCCACHE_MAX_SIZE";

enum class Source { kDefault, kConfigFile, kEnvironment };

struct Settings {
  uint64_t max_size_bytes = kDefaultMaxSizeBytes;  // 0: no limit
  Source max_size_source = Source::kDefault;
};

std::string config_path(const std::string& cache_dir);
std::string_view source_name(Source source);

// `env_max_size` is the value of ZCCACHE_MAX_SIZE (nullptr or empty when unset).
// Errors (kInvalid, one line): a malformed value in the environment or the file, a malformed file.
Result<Settings> load_settings(const std::string& cache_dir, const char* env_max_size);

}  // namespace zccache::config
