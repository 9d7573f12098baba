#include "zccache/cli/session_command.h"

#include <unistd.h>

#include <cstdio>

#include "zccache/cli/daemon_request.h"

namespace zccache::cli {
namespace {

int usage(const char* text) {
  std::fprintf(stderr, "zccache: usage: %s\n", text);
  return 2;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "zccache: %s\n", message.c_str());
  return 1;
}

// The daemon runs in "/", so it must get absolute paths.
std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof(cwd))) return path;
  return std::string(cwd) + "/" + path;
}

// A reply is either the session's JSON or {"error": "..."}.
int print_reply(const Result<nlohmann::json>& j) {
  if (!j.ok()) return fail(j.error().message);
  if (j->contains("error")) return fail((*j)["error"].get<std::string>());
  std::printf("%s\n", j->dump().c_str());
  return 0;
}

int stats_or_end(const std::vector<std::string>& args, protocol::Command command, const char* usage_text) {
  if (args.size() != 2 || args[1].empty() || args[1][0] == '-') return usage(usage_text);
  // Without a daemon there is no session to report: do not start one just to say so.
  auto j = send_command(command, {args[1]}, /*start=*/false);
  if (!j.ok() && j.error().code == ErrorCode::kNotFound) {
    return fail("unknown session '" + args[1] + "' (no zccache daemon is running)");
  }
  return print_reply(j);
}

}  // namespace

int session_start(const std::vector<std::string>& args) {
  constexpr const char* kUsage = "zccache session-start [--stats] [--log FILE] [--journal FILE.jsonl] [--json]";
  std::vector<std::string> options;
  bool json = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--stats") {
      options.emplace_back("stats");
    } else if (a == "--json") {
      json = true;
    } else if ((a == "--log" || a == "--journal") && i + 1 < args.size() && !args[i + 1].empty()) {
      options.push_back(a.substr(2) + "=" + absolute(args[++i]));
    } else {
      return usage(kUsage);
    }
  }
  auto j = send_command(protocol::Command::kSessionStart, std::move(options), /*start=*/true);
  if (!j.ok()) return fail(j.error().message);
  if (j->contains("error")) return fail((*j)["error"].get<std::string>());
  const std::string id = (*j)["session_id"].get<std::string>();
  if (json) {
    std::printf("%s\n", nlohmann::json{{"session_id", id}}.dump().c_str());
  } else {
    std::printf("export ZCCACHE_SESSION_ID=%s\n", id.c_str());  // hex digits: no quoting needed
  }
  return 0;
}

int session_stats(const std::vector<std::string>& args) {
  return stats_or_end(args, protocol::Command::kSessionStats, "zccache session-stats ID");
}

int session_end(const std::vector<std::string>& args) {
  return stats_or_end(args, protocol::Command::kSessionEnd, "zccache session-end ID");
}

}  // namespace zccache::cli
