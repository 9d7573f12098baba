#include "zccache/cli/config_command.h"

#include <cstdio>
#include <cstdlib>

#include "zccache/config/config_file.h"
#include "zccache/config/settings.h"
#include "zccache/config/size.h"
#include "zccache/os/file_info.h"
#include "zccache/transport/endpoint.h"

namespace zccache::cli {
namespace {

int usage() {
  std::fprintf(stderr, "zccache: usage: zccache config [max-size [SIZE]]\n");
  return 2;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "zccache: %s\n", message.c_str());
  return 1;
}

}  // namespace

int run_config(const std::vector<std::string>& args) {
  std::string cache_dir = transport::default_cache_dir();
  const char* env = std::getenv(config::kMaxSizeEnv);
  if (args.size() > 3) return usage();
  if (args.size() >= 2 && args[1] != config::kMaxSizeKey) {
    std::fprintf(stderr, "zccache: unknown setting '%s' (known: %s)\n", args[1].c_str(), config::kMaxSizeKey);
    return 2;
  }
  if (args.size() == 3) {
    auto size = config::parse_size(args[2]);
    if (!size.ok()) {
      std::fprintf(stderr, "zccache: %s: %s\n", config::kMaxSizeKey, size.error().message.c_str());
      return 2;
    }
    std::string path = config::config_path(cache_dir);
    auto file = config::ConfigFile::read(path);
    if (!file.ok()) return fail(file.error().message);
    file->set(config::kMaxSizeKey, config::format_size(*size));
    if (Status s = os::make_dirs(cache_dir, 0700); !s.ok()) return fail(s.error().message);
    if (Status s = file->write(path); !s.ok()) return fail(s.error().message);
    if (env && *env) {
      std::fprintf(stderr, "zccache: note: %s=%s is set and overrides the config file\n", config::kMaxSizeEnv, env);
    }
    return 0;
  }
  auto settings = config::load_settings(cache_dir, env);
  if (!settings.ok()) return fail(settings.error().message);
  std::string value = config::format_size(settings->max_size_bytes);
  if (args.size() == 2) {
    std::printf("%s\n", value.c_str());
    return 0;
  }
  std::printf("%s = %s (%s)\n", config::kMaxSizeKey, value.c_str(),
              std::string(config::source_name(settings->max_size_source)).c_str());
  std::printf("# config file: %s\n", config::config_path(cache_dir).c_str());
  return 0;
}

}  // namespace zccache::cli
