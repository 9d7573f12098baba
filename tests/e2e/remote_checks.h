// What the remote-tier scenarios (remote_test.cc, remote_build_test.cc) read back from a sandbox:
// the first remote's counters in `status --json`, the wait for its uploads, and the journal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox.h"

namespace zccache::e2e {

// The first remote's counters in `status --json` (null when none), and one of them (0 when none).
nlohmann::json remote_status(Sandbox& sb);
uint64_t remote_count(Sandbox& sb, const char* field);

// Waits (up to 30 s) until the daemon has uploaded `n` results and its queue is empty.
bool wait_for_uploads(Sandbox& sb, uint64_t n);

// The journal's lines, each parsed, after `zccache stop` (which lets the uploader finish and writes
// every queued line; the next command starts a daemon again).
std::vector<nlohmann::json> stopped_journal(Sandbox& sb);

// The lines with `outcome` one of whose arguments ends with `arg_suffix`.
std::vector<nlohmann::json> lines_for(const std::vector<nlohmann::json>& lines, const std::string& outcome,
                                      const std::string& arg_suffix);

}  // namespace zccache::e2e
