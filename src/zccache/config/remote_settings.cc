#include "zccache/config/remote_settings.h"

#include <cctype>

#include "zccache/config/config_file.h"

namespace zccache::config {

Result<bool> parse_bool(std::string_view text) {
  std::string v;
  for (char c : text) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  return make_error(ErrorCode::kInvalid, "not a boolean: '" + std::string(text) + "' (expected 1/0, true/false, yes/no, on/off)");
}

Result<RemoteSettings> load_remote_settings(const std::string& cache_dir, const char* env_remote,
                                            const char* env_only_read) {
  RemoteSettings settings;
  auto file = ConfigFile::read(config_path(cache_dir));
  if (!file.ok()) return file.error();
  if (env_remote != nullptr) {
    settings.urls = env_remote;
    settings.urls_source = Source::kEnvironment;
  } else if (auto value = file->get(kRemoteKey)) {
    settings.urls = *value;
    settings.urls_source = Source::kConfigFile;
  }
  if (env_only_read != nullptr && *env_only_read != '\0') {
    auto b = parse_bool(env_only_read);
    if (!b.ok()) return make_error(ErrorCode::kInvalid, std::string(kRemoteOnlyReadEnv) + ": " + b.error().message);
    settings.read_only = *b;
    settings.read_only_source = Source::kEnvironment;
  } else if (auto value = file->get(kRemoteOnlyReadKey)) {
    auto b = parse_bool(*value);
    if (!b.ok()) return make_error(ErrorCode::kInvalid, config_path(cache_dir) + ": " + kRemoteOnlyReadKey + ": " + b.error().message);
    settings.read_only = *b;
    settings.read_only_source = Source::kConfigFile;
  }
  return settings;
}

}  // namespace zccache::config
