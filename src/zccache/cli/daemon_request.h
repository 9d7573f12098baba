// send_command: one management request to the daemon of ZCCACHE_DIR and its JSON reply.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zccache/base/result.h"
#include "zccache/protocol/messages.h"
#include "zccache/transport/endpoint.h"

namespace zccache::cli {

// The endpoint of ZCCACHE_DIR (or the default cache directory).
transport::Endpoint endpoint();

// Sends `command` with `args`; `start`: start a daemon when none runs (else kNotFound).
Result<nlohmann::json> send_command(protocol::Command command, std::vector<std::string> args, bool start);

}  // namespace zccache::cli
