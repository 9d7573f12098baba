#include "zccache/cli/daemon_request.h"

#include "zccache/base/version.h"
#include "zccache/client/daemon_link.h"
#include "zccache/transport/channel.h"

namespace zccache::cli {
namespace {

using transport::Clock;
constexpr auto kCommandTimeout = std::chrono::seconds(30);

}  // namespace

transport::Endpoint endpoint() { return transport::endpoint_for(transport::default_cache_dir()); }

Result<nlohmann::json> send_command(protocol::Command command, std::vector<std::string> args, bool start) {
  auto ep = endpoint();
  auto conn = start ? client::connect_or_start(ep) : client::connect_existing(ep);
  if (!conn.ok()) return conn.error();
  protocol::CommandRequest req{command, kVersion, {std::move(args)}};
  ZCCACHE_TRY(transport::send_message(conn->get(), req, Clock::now() + kCommandTimeout));
  auto msg = transport::receive_message(conn->get(), Clock::now() + kCommandTimeout);
  if (!msg.ok()) return msg.error();
  if (auto* err = std::get_if<protocol::ErrorReply>(&*msg)) return make_error(ErrorCode::kProtocol, err->message);
  auto* reply = std::get_if<protocol::CommandReply>(&*msg);
  if (!reply) return make_error(ErrorCode::kProtocol, "unexpected reply from daemon");
  auto j = nlohmann::json::parse(reply->json, nullptr, false);
  if (j.is_discarded()) return make_error(ErrorCode::kProtocol, "daemon sent malformed JSON");
  return j;
}

}  // namespace zccache::cli
