#include "zccache/cli/daemon_commands.h"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "zccache/base/version.h"
#include "zccache/cli/daemon_request.h"
#include "zccache/client/daemon_link.h"
#include "zccache/config/settings.h"

namespace zccache::cli {
namespace {

// Commands without arguments.
Result<nlohmann::json> send_command(protocol::Command command, bool start) {
  return cli::send_command(command, {}, start);
}

int fail(const Error& e) {
  std::fprintf(stderr, "zccache: %s\n", e.message.c_str());
  return 1;
}

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

int start_daemon(const std::vector<std::string>&) {
  // The daemon would log a bad size and go on with the file's or the default; say it here.
  if (auto settings = config::load_settings(endpoint().cache_dir, std::getenv(config::kMaxSizeEnv)); !settings.ok()) {
    std::fprintf(stderr, "zccache: %s\n", settings.error().message.c_str());
    return 1;
  }
  auto j = send_command(protocol::Command::kPing, /*start=*/true);
  if (!j.ok()) return fail(j.error());
  std::printf("zccache daemon running (pid %lld, cache %s)\n", (*j)["pid"].get<long long>(),
              endpoint().cache_dir.c_str());
  return 0;
}

int stop_daemon(const std::vector<std::string>&) {
  auto j = send_command(protocol::Command::kStop, /*start=*/false);
  if (!j.ok()) {
    std::printf("zccache daemon not running\n");
    return 0;
  }
  if (!client::wait_for_daemon_exit(endpoint(), std::chrono::seconds(15))) {
    std::fprintf(stderr, "zccache: the daemon did not stop within 15 s\n");
    return 1;
  }
  std::printf("zccache daemon stopped\n");
  return 0;
}

// The remote tier's part of `status` (the URLs come redacted from the daemon).
void print_remote_status(const nlohmann::json& remote) {
  auto n = [](const nlohmann::json& j, const char* key) { return j.value(key, uint64_t{0}); };
  std::printf("remote uploads  %s, %llu queued, %llu dropped\n",
              remote.value("read_only", false) ? "off (read-only)" : "on",
              static_cast<unsigned long long>(n(remote, "queued")),
              static_cast<unsigned long long>(n(remote, "uploads_dropped")));
  for (const auto& r : remote.value("servers", nlohmann::json::array())) {
    std::printf("remote          %s (circuit %s)\n", r.value("url", std::string()).c_str(),
                r.value("circuit", std::string()).c_str());
    std::printf("  hits %llu, misses %llu, errors %llu, timeouts %llu, skipped %llu, uploads %llu\n",
                static_cast<unsigned long long>(n(r, "hits")), static_cast<unsigned long long>(n(r, "misses")),
                static_cast<unsigned long long>(n(r, "errors")), static_cast<unsigned long long>(n(r, "timeouts")),
                static_cast<unsigned long long>(n(r, "skipped")), static_cast<unsigned long long>(n(r, "uploads")));
    std::printf("  %s down, %s up, %llu requests, mean latency %llu us\n", human_bytes(n(r, "bytes_down")).c_str(),
                human_bytes(n(r, "bytes_up")).c_str(), static_cast<unsigned long long>(n(r, "requests")),
                static_cast<unsigned long long>(n(r, "mean_latency_us")));
  }
}

int show_status(const std::vector<std::string>& args) {
  bool json = args.size() > 1 && args[1] == "--json";
  if (args.size() > 2 || (args.size() == 2 && !json)) {
    std::fprintf(stderr, "zccache: usage: zccache status [--json]\n");
    return 2;
  }
  auto j = send_command(protocol::Command::kStatus, /*start=*/false);
  nlohmann::json status;
  if (j.ok()) {
    status = std::move(j).value();
  } else {
    // No daemon: report what is known without starting one.
    status = {{"daemon_running", false}, {"version", kVersion},     {"cache_dir", endpoint().cache_dir},
              {"entries", 0},            {"size_bytes", 0},          {"hits", 0},
              {"misses", 0},             {"errors", 0},              {"passthrough", nlohmann::json::object()}};
  }
  if (json) {
    std::printf("%s\n", status.dump().c_str());
    return 0;
  }
  std::printf("daemon          %s\n", status["daemon_running"].get<bool>() ? "running" : "not running");
  std::printf("version         %s\n", status["version"].get<std::string>().c_str());
  std::printf("cache dir       %s\n", status["cache_dir"].get<std::string>().c_str());
  std::printf("entries         %llu\n", status["entries"].get<unsigned long long>());
  std::printf("size            %s\n", human_bytes(status["size_bytes"].get<uint64_t>()).c_str());
  if (status.contains("max_size_bytes")) {
    uint64_t limit = status["max_size_bytes"].get<uint64_t>();
    std::printf("max size        %s\n", limit == 0 ? "unlimited" : human_bytes(limit).c_str());
  }
  std::printf("hits            %llu\n", status["hits"].get<unsigned long long>());
  std::printf("misses          %llu\n", status["misses"].get<unsigned long long>());
  std::printf("errors          %llu\n", status["errors"].get<unsigned long long>());
  if (status.contains("evictions"))
    std::printf("evictions       %llu\n", status["evictions"].get<unsigned long long>());
  if (status.contains("memo_snapshot"))
    std::printf("repeats         %llu by snapshot, %llu checked file by file\n",
                status["memo_snapshot"].get<unsigned long long>(), status["memo_checked"].get<unsigned long long>());
  if (status.value("index_discarded", 0) > 0)
    std::printf("index discarded %llu (damaged or of another format; see logs/daemon.log)\n",
                status["index_discarded"].get<unsigned long long>());
  for (auto& [reason, n] : status["passthrough"].items())
    std::printf("passthrough     %-22s %llu\n", reason.c_str(), n.get<unsigned long long>());
  if (status.contains("remote")) print_remote_status(status["remote"]);
  return 0;
}

int clear_cache(const std::vector<std::string>&) {
  auto j = send_command(protocol::Command::kClear, /*start=*/true);
  if (!j.ok()) return fail(j.error());
  if (!(*j)["cleared"].get<bool>()) {
    std::fprintf(stderr, "zccache: clear failed: %s\n", j->value("error", std::string("unknown")).c_str());
    return 1;
  }
  std::printf("zccache cache cleared\n");
  return 0;
}

int stats_command(const std::vector<std::string>& args) {
  if (args.size() == 2 && args[1] == "--zero") {
    auto j = send_command(protocol::Command::kZeroStats, /*start=*/true);
    if (!j.ok()) return fail(j.error());
    std::printf("zccache statistics zeroed\n");
    return 0;
  }
  if (args.size() > 2 || (args.size() == 2 && args[1] != "--json")) {
    std::fprintf(stderr, "zccache: usage: zccache stats [--zero | --json]\n");
    return 2;
  }
  std::vector<std::string> status_args{"status"};
  status_args.insert(status_args.end(), args.begin() + 1, args.end());
  return show_status(status_args);
}

}  // namespace zccache::cli
