#include "zccache/cli/explain_command.h"

#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "zccache/base/version.h"
#include "zccache/client/compiler_path.h"
#include "zccache/client/daemon_link.h"
#include "zccache/transport/channel.h"

extern char** environ;

namespace zccache::cli {
namespace {

using transport::Clock;
// Explaining may hash files and probe a compiler the daemon has not seen.
constexpr auto kExplainTimeout = std::chrono::seconds(60);

int usage() {
  std::fprintf(stderr, "zccache: usage: zccache explain [--json] [--] <compiler> [args...]\n");
  return 2;
}

}  // namespace

int explain_command(const std::vector<std::string>& args) {
  size_t i = 1;
  bool json_out = false;
  if (i < args.size() && args[i] == "--json") {
    json_out = true;
    ++i;
  }
  if (i < args.size() && args[i] == "--") ++i;
  if (i >= args.size()) return usage();

  char cwd[4096];
  if (!::getcwd(cwd, sizeof(cwd))) {
    std::fprintf(stderr, "zccache: cannot read the working directory\n");
    return 2;
  }
  protocol::ExplainRequest req;
  req.client_version = kVersion;
  req.compiler = client::resolve_compiler(args[i], cwd);
  if (req.compiler.empty()) {
    std::fprintf(stderr, "zccache: compiler '%s' not found in PATH\n", args[i].c_str());
    return 2;
  }
  req.args.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  req.cwd = cwd;
  for (char** e = environ; *e; ++e) req.env.emplace_back(*e);
  req.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;

  auto conn = client::connect_or_start(transport::endpoint_for(transport::default_cache_dir()));
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "zccache: explain: %s\n", why.c_str());
    return 2;
  };
  if (!conn.ok()) return fail(conn.error().message);
  if (auto sent = transport::send_message(conn->get(), req, Clock::now() + kExplainTimeout); !sent.ok()) {
    return fail(sent.error().message);
  }
  auto msg = transport::receive_message(conn->get(), Clock::now() + kExplainTimeout);
  if (!msg.ok()) return fail(msg.error().message);
  auto* reply = std::get_if<protocol::CommandReply>(&*msg);
  if (!reply) return fail("unexpected reply from the daemon (another version? try `zccache stop`)");
  auto j = nlohmann::json::parse(reply->json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("daemon sent malformed JSON");
  if (json_out) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", j.value("text", std::string()).c_str());
  }
  return j.value("outcome", std::string()) == "hit" ? 0 : 1;
}

}  // namespace zccache::cli
