// JournalEntry: what the daemon records about one compile of one source, and its two renderings:
// a JSON line of the compile journal (the global ZCCACHE_DIR/logs/compile_journal.jsonl and a
// session's --journal file) and a human-readable line of a session's --log file.
//
// JSON line format (the original zccache's, which users already parse), one object per line:
//   {"ts":"2026-03-17T10:30:00.123Z","outcome":"hit","compiler":"/usr/bin/clang++",
//    "args":["-c","foo.cpp","-o","foo.o"],"cwd":"/project/build","env":[["CC","clang"]],
//    "exit_code":0,"session_id":null,"latency_ns":1234567}
// - ts: when the request arrived, UTC, millisecond precision.
// - outcome: hit, miss, error (the compile ran and failed, or the client went away before it
//   reported), passthrough (then "reason": the passthrough reason's name, as in `status`).
// - env: [name, value] for each variable of the compile whose value the daemon's own environment
//   does not have (a variable the compile lacks cannot be written as a pair and is left out);
//   omitted when there is none. Values of secret-looking names are "<redacted>" (looks_secret).
// - exit_code: null when the daemon does not know it (a passthrough: the client execs the
//   compiler; a miss whose client went away).
// - session_id: null outside a session.
// - remote (only when remotes were asked): one object per remote, in the order asked (remote_attempt.h):
//   {"url","outcome","latency_ns"} plus "error" when something went wrong. A hit or miss line: the
//   lookup after the local miss (absent for a local hit, which asks no remote). An "upload" line
//   (written by the uploader when it has sent a miss's result, long after the miss's own line;
//   ts is then when the upload ended, latency_ns its duration): each remote's upload.
// - upload: on a miss line whose result will not be uploaded: "read_only" (read-only mode) or
//   "host_specific" (-march=native, -C target-cpu=native: the output depends on this machine).
// Plain data; the functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zccache/daemon/remote_attempt.h"

namespace zccache::daemon {

// kLinkHit/kLinkMiss: a hit or miss of a link or archive (link_compile.cc); counted as hits and misses.
// kUpload: a miss's result sent to the remotes (remote_tier.h); not a compile, counted nowhere.
enum class JournalOutcome : uint8_t { kHit, kMiss, kError, kPassthrough, kLinkHit, kLinkMiss, kUpload };

std::string_view outcome_name(JournalOutcome outcome);

struct JournalEntry {
  int64_t ts_ns = 0;  // CLOCK_REALTIME when the request arrived
  JournalOutcome outcome = JournalOutcome::kHit;
  std::string reason;  // passthrough only
  std::string compiler;
  std::vector<std::string> args;
  std::string cwd;
  std::vector<std::string> env;  // the compile's whole environment, "NAME=VALUE"; diffed when written
  std::optional<int32_t> exit_code;
  std::string session_id;  // empty: none
  int64_t latency_ns = 0;
  std::vector<RemoteAttempt> remote;  // empty: no remote asked
  std::string upload;                 // "read_only", "host_specific", or empty
  // Not in the JSON line; for the session's log and slowest-miss list.
  std::string source;      // a miss: the source it compiled, as given
  int64_t compile_ns = 0;  // a miss: the compile's duration as the client measured it (shared
                           // evenly among the sources of one compiler process, as stored)
};

// The daemon's own environment, by name.
using EnvMap = std::unordered_map<std::string, std::string>;
EnvMap env_map(const char* const* environ_block);

// True for names whose values must not reach a log: containing TOKEN, SECRET, PASSWORD, PASSWD,
// PASSPHRASE, KEY (AWS_ACCESS_KEY_ID, SSH_KEY, API_KEY), CREDENTIAL or AUTH, in any case. Errs
// on the side of hiding (KEYBOARD_LAYOUT is hidden too).
bool looks_secret(std::string_view name);

// "2026-03-17T10:30:00.123Z".
std::string format_utc_ms(int64_t realtime_ns);

// Appends `s` as a JSON string: quoted, escaped as JSON requires (\uXXXX for the other control
// characters), well-formed UTF-8 kept as it is and every byte that starts no well-formed sequence
// replaced by U+FFFD, so that a line with any argument bytes parses.
void append_json_string(std::string& out, std::string_view s);

// The [name, value] pairs of `env` that `daemon_env` does not have with the same value, in the
// compile's order, secret values redacted.
std::vector<std::pair<std::string, std::string>> env_differences(const std::vector<std::string>& env,
                                                                 const EnvMap& daemon_env);

// The "env" member as journal_line() writes it (`,"env":[[name,value],...]`, or nothing when no
// variable differs), kept for the last environment rendered: a build's compiles share one, and
// diffing it against the daemon's (a lookup, a redaction check and two strings per variable) was
// the largest part of a line's cost. Not thread-safe: one per writer.
class EnvFieldCache {
 public:
  const std::string& field(const std::vector<std::string>& env, const EnvMap& daemon_env);

 private:
  std::vector<std::string> env_;
  std::string field_;
  bool valid_ = false;
};

// The JSON object, without the newline. `env_cache`: the writer's, or null to render the
// environment afresh.
std::string journal_line(const JournalEntry& entry, const EnvMap& daemon_env, EnvFieldCache* env_cache = nullptr);
// "2026-03-17T10:30:00.123Z miss    812.4 ms /usr/bin/gcc -c a.c -o a.o (in /src)", plus
// " exit 1" for a failed compile and " [reason]" for a passthrough. No newline.
std::string log_line(const JournalEntry& entry);

}  // namespace zccache::daemon
