// Minimal logging: debug lines go to stderr only when ZCCACHE_DEBUG is set (client) or to the
// daemon's log file. No formatting library on the client's hot path.
#pragma once

#include <string_view>

namespace zccache::log {

// Enables debug() output. Not thread-safe: call once at start-up.
void set_debug(bool enabled);
bool debug_enabled();
// Writes "zccache: <msg>\n" to stderr when debug is enabled. Thread-safe (one write(2)).
void debug(std::string_view msg);
// Always writes "zccache: <msg>\n" to stderr.
void error(std::string_view msg);

}  // namespace zccache::log
