// The client's side of a handoff from the front (handoff_args.h has the arguments).
#pragma once

#include <optional>

#include "zccache/base/unique_fd.h"
#include "zccache/client/handoff_args.h"
#include "zccache/os/program_search.h"

namespace zccache::client {

// What the front handed over. Absent: the client was run directly (by a build, or by a user).
struct Handoff {
  bool uncached = false;       // the daemon failed the front: run the compiler without asking again
  UniqueFd connection;         // valid: the reply to the front's request is waiting in it
  std::optional<os::FileId> front;
};

// Parses MODE and FRONT_ID (argv[2], argv[3] of a handoff) and keeps the result for the
// functions below; false when they are malformed. The connection gets FD_CLOEXEC: a compiler the
// client runs must not hold the daemon's connection open.
bool accept_handoff(const char* mode, const char* front_id);
// The kept handoff (uncached false, no connection, no id when there was none).
Handoff& handoff();

}  // namespace zccache::client
