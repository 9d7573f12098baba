#include "zccache/cli/config_command.h"

#include <cstdio>
#include <cstdlib>

#include "zccache/config/config_file.h"
#include "zccache/config/remote_settings.h"
#include "zccache/config/settings.h"
#include "zccache/config/size.h"
#include "zccache/os/file_info.h"
#include "zccache/remote/remote_spec.h"
#include "zccache/transport/endpoint.h"

namespace zccache::cli {
namespace {

int usage() {
  std::fprintf(stderr, "zccache: usage: zccache config [max-size [SIZE] | remote [URL...] | remote-only-read [BOOL]]\n");
  return 2;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "zccache: %s\n", message.c_str());
  return 1;
}

// The value to persist for `key`, checked and normalised, or a one-line error.
Result<std::string> normalised_value(const std::string& key, const std::vector<std::string>& values) {
  if (key == config::kRemoteKey) {
    std::string urls;
    for (const auto& v : values) urls += (urls.empty() ? "" : " ") + v;
    auto specs = remote::parse_remotes(urls);  // refuses a malformed URL now, not in the daemon's log
    if (!specs.ok()) return specs.error();
    return urls;
  }
  if (values.size() != 1) return make_error(ErrorCode::kInvalid, key + " takes one value");
  if (key == config::kRemoteOnlyReadKey) {
    auto b = config::parse_bool(values[0]);
    if (!b.ok()) return make_error(ErrorCode::kInvalid, key + ": " + b.error().message);
    return std::string(*b ? "true" : "false");
  }
  auto size = config::parse_size(values[0]);
  if (!size.ok()) return make_error(ErrorCode::kInvalid, key + ": " + size.error().message);
  return config::format_size(*size);
}

const char* env_of(const std::string& key) {
  if (key == config::kRemoteKey) return config::kRemoteEnv;
  if (key == config::kRemoteOnlyReadKey) return config::kRemoteOnlyReadEnv;
  return config::kMaxSizeEnv;
}

int set_value(const std::string& cache_dir, const std::string& key, const std::vector<std::string>& values) {
  auto value = normalised_value(key, values);
  if (!value.ok()) {
    std::fprintf(stderr, "zccache: %s\n", value.error().message.c_str());
    return 2;
  }
  std::string path = config::config_path(cache_dir);
  auto file = config::ConfigFile::read(path);
  if (!file.ok()) return fail(file.error().message);
  file->set(key, *value);
  if (Status s = os::make_dirs(cache_dir, 0700); !s.ok()) return fail(s.error().message);
  if (Status s = file->write(path); !s.ok()) return fail(s.error().message);
  if (const char* env = std::getenv(env_of(key)); env && (*env || key == config::kRemoteKey)) {
    std::fprintf(stderr, "zccache: note: %s is set and overrides the config file\n", env_of(key));
  }
  if (key != config::kMaxSizeKey) std::fprintf(stderr, "zccache: note: a running daemon uses it after `zccache stop`\n");
  return 0;
}

}  // namespace

int run_config(const std::vector<std::string>& args) {
  std::string cache_dir = transport::default_cache_dir();
  const char* env = std::getenv(config::kMaxSizeEnv);
  if (args.size() >= 2 && args[1] != config::kMaxSizeKey && args[1] != config::kRemoteKey &&
      args[1] != config::kRemoteOnlyReadKey) {
    std::fprintf(stderr, "zccache: unknown setting '%s' (known: %s, %s, %s)\n", args[1].c_str(), config::kMaxSizeKey,
                 config::kRemoteKey, config::kRemoteOnlyReadKey);
    return 2;
  }
  if (args.size() > 3 && args[1] != config::kRemoteKey) return usage();
  if (args.size() >= 3) return set_value(cache_dir, args[1], {args.begin() + 2, args.end()});
  auto settings = config::load_settings(cache_dir, env);
  if (!settings.ok()) return fail(settings.error().message);
  auto remote = config::load_remote_settings(cache_dir, std::getenv(config::kRemoteEnv),
                                             std::getenv(config::kRemoteOnlyReadEnv));
  if (!remote.ok()) return fail(remote::redact_urls(remote.error().message));
  std::string value = config::format_size(settings->max_size_bytes);
  // Credentials never reach a terminal or a CI log: the URLs are shown redacted.
  std::string urls = remote::redact_urls(remote->urls);
  const char* read_only = remote->read_only ? "true" : "false";
  if (args.size() == 2) {
    if (args[1] == config::kRemoteKey) {
      std::printf("%s\n", urls.c_str());
    } else if (args[1] == config::kRemoteOnlyReadKey) {
      std::printf("%s\n", read_only);
    } else {
      std::printf("%s\n", value.c_str());
    }
    return 0;
  }
  auto src = [](config::Source s) { return std::string(config::source_name(s)); };
  std::printf("%s = %s (%s)\n", config::kMaxSizeKey, value.c_str(), src(settings->max_size_source).c_str());
  std::printf("%s = %s (%s)\n", config::kRemoteKey, urls.c_str(), src(remote->urls_source).c_str());
  std::printf("%s = %s (%s)\n", config::kRemoteOnlyReadKey, read_only, src(remote->read_only_source).c_str());
  std::printf("# config file: %s\n", config::config_path(cache_dir).c_str());
  return 0;
}

}  // namespace zccache::cli
