#include "zccache/config/settings.h"

#include "zccache/config/config_file.h"
#include "zccache/config/size.h"

namespace zccache::config {

std::string config_path(const std::string& cache_dir) { return cache_dir + "/config"; }

std::string_view source_name(Source source) {
  switch (source) {
    case Source::kDefault: return "default";
    case Source::kConfigFile: return "config file";
    case Source::kEnvironment: return "environment";
  }
  return "default";
}

Result<Settings> load_settings(const std::string& cache_dir, const char* env_max_size) {
  Settings settings;
  if (env_max_size != nullptr && *env_max_size != '\0') {
    auto size = parse_size(env_max_size);
    if (!size.ok()) return make_error(ErrorCode::kInvalid, std::string(kMaxSizeEnv) + ": " + size.error().message);
    settings.max_size_bytes = *size;
    settings.max_size_source = Source::kEnvironment;
    return settings;
  }
  std::string path = config_path(cache_dir);
  auto file = ConfigFile::read(path);
  if (!file.ok()) return file.error();
  if (auto value = file->get(kMaxSizeKey)) {
    auto size = parse_size(*value);
    if (!size.ok()) return make_error(ErrorCode::kInvalid, path + ": " + kMaxSizeKey + ": " + size.error().message);
    settings.max_size_bytes = *size;
    settings.max_size_source = Source::kConfigFile;
  }
  return settings;
}

}  // namespace zccache::config
