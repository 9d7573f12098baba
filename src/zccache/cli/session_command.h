// Session commands: session-start, session-stats, session-end (daemon/session_registry.h).
#pragma once

#include <string>
#include <vector>

namespace zccache::cli {

// `session-start [--stats] [--log FILE] [--journal FILE.jsonl] [--json]`: prints
// `export ZCCACHE_SESSION_ID=<id>` for `eval "$(zccache session-start)"`, or with --json
// {"session_id":"<id>"}. Relative FILEs are resolved against the caller's working directory.
int session_start(const std::vector<std::string>& args);
// `session-stats ID`: the session's statistics as one JSON line; it stays open.
int session_stats(const std::vector<std::string>& args);
// `session-end ID`: ends the session and prints its final statistics.
int session_end(const std::vector<std::string>& args);

}  // namespace zccache::cli
