// The messages between client and daemon. Plain structs; codec.h turns them into frames.
//
// A cached compile is one round trip: CompileRequest -> CompileReply. On kMiss the client runs the
// compiler (its argv plus reply.extra_args) and sends one StoreRequest carrying reply.miss_token;
// the daemon copies the outputs before it answers StoreReply, so the client may exit after it.
// Management commands are CommandRequest -> CommandReply (JSON text).
// zccache-fp asks for the state of a file set with FingerprintRequest -> FingerprintReply.
//
// Several sources in one invocation (`cc -c a.c b.c ...`) get kMulti: one lookup per source (a
// "unit"), hits already delivered. The client replays the units' output in source order and
// compiles the misses in as few processes as that order allows (one, unless a hit that printed
// something sits between two misses), each followed by a StoreRequest naming its units.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace zccache::protocol {


enum class MessageType : uint16_t {
  kCompileRequest = 1,
  kCompileReply = 2,
  kStoreRequest = 3,
  kStoreReply = 4,
  kCommandRequest = 5,
  kCommandReply = 6,
  kErrorReply = 7,
  kExplainRequest = 8,
  kFingerprintRequest = 9,
  kFingerprintReply = 10,
};

struct CompileRequest {
  std::string client_version;
  std::string compiler;           // absolute path of the real compiler, or a name (path_search)
  std::vector<std::string> args;  // argv after the compiler, as the build system gave it
  std::string cwd;
  std::vector<std::string> env;   // "NAME=VALUE", the whole environment of the compile
  uint32_t umask = 022;
  bool stderr_is_tty = false;
  std::string session_id;         // ZCCACHE_SESSION_ID, empty when none
  // Non-empty: `compiler` is a bare name that the daemon searches in the request's PATH (which
  // its watched directory listings answer without a stat per entry), skipping the client binary
  // this os::format_file_id names. The reply's `compiler` says what was found.
  std::string path_search;

  bool operator==(const CompileRequest&) const = default;
};

enum class CompileOutcome : uint8_t {
  kHit = 0,              // outputs delivered; replay stdout/stderr, exit with exit_code
  kMiss = 1,             // run the compiler with args + extra_args, then StoreRequest{miss_token}
  kPassthrough = 2,      // run the compiler as given; nothing to store
  kVersionMismatch = 3,  // the daemon is another version and is shutting down: restart it
  kMulti = 4,            // several sources: per unit, delivered or to compile (unit_* fields)
};

struct CompileReply {
  CompileOutcome outcome = CompileOutcome::kPassthrough;
  int32_t exit_code = 0;
  std::string stdout_data;
  std::string stderr_data;
  uint64_t miss_token = 0;
  std::vector<std::string> extra_args;
  std::string reason;  // passthrough reason name (for ZCCACHE_DEBUG)

  // kMulti only; the unit_* vectors have one element per source, in command-line order.
  std::vector<uint8_t> unit_hit;          // 1: delivered, replay its output; 0: compile it
  std::vector<uint32_t> unit_arg_index;   // the unit's source in expanded_args
  std::vector<std::string> unit_stdout;   // a hit's recorded output
  std::vector<std::string> unit_stderr;
  std::vector<std::string> expanded_args; // argv after the compiler, response files expanded
  // kMiss and kMulti: "NAME=VALUE" added to the compile's environment.
  std::vector<std::string> extra_env;
  bool unit_markers = false;  // kMulti: run gcc with the unit-marker wrapper (unit_marker.h)
  // A path_search request: the compiler found, which kMiss, kPassthrough and kMulti run; empty
  // when the search found none (outcome kPassthrough, reason compiler_not_found).
  std::string compiler;

  bool operator==(const CompileReply&) const = default;
};

struct StoreRequest {
  uint64_t miss_token = 0;
  int32_t exit_code = 0;
  std::string stdout_data;
  std::string stderr_data;
  int64_t start_time_ns = 0;  // CLOCK_REALTIME when the client started the compiler
  int64_t duration_ns = 0;
  std::vector<uint32_t> units;  // after kMulti: the units this compile held, ascending

  bool operator==(const StoreRequest&) const = default;
};

struct StoreReply {
  bool stored = false;
  std::string reason;  // why not, when not

  bool operator==(const StoreReply&) const = default;
};

enum class Command : uint8_t {
  kPing = 0,
  kStatus = 1,
  kStop = 2,
  kClear = 3,
  kZeroStats = 4,
  kSessionStart = 5,  // args: "stats", "log=<absolute path>", "journal=<absolute path>"
  kSessionStats = 6,  // args: the session id
  kSessionEnd = 7,    // args: the session id
};

// Strings added to a message after its first release. Encoded only when non-empty (codec.cc), so
// a message that does not use them has exactly the bytes an older peer expects: `zccache stop`
// of a new client still stops an old daemon. Only the last field of a message may be one.
struct TrailingStrings {
  std::vector<std::string> values;

  bool operator==(const TrailingStrings&) const = default;
};

struct CommandRequest {
  Command command = Command::kPing;
  std::string client_version;
  TrailingStrings args;  // the command's arguments (see Command)

  bool operator==(const CommandRequest&) const = default;
};

struct CommandReply {
  std::string json;

  bool operator==(const CommandReply&) const = default;
};

struct ErrorReply {
  std::string message;

  bool operator==(const ErrorReply&) const = default;
};

// `zccache explain -- <compile>`: what a CompileRequest with these fields would do, answered with
// a CommandReply (JSON) and without touching any output or cache entry.
struct ExplainRequest {
  std::string client_version;
  std::string compiler;
  std::vector<std::string> args;
  std::string cwd;
  std::vector<std::string> env;
  bool stderr_is_tty = false;

  bool operator==(const ExplainRequest&) const = default;
};

// zccache-fp's daemon mode: the regular files below `root` that the globs select (the rules of
// src/zccache/fp/file_set.h), listed by the daemon from its watched directory listings, each with
// its stat facts and, when the daemon's metadata cache knows it without reading the file, its
// content digest. Answered with a FingerprintReply, or an ErrorReply (then zccache-fp works alone).
struct FingerprintRequest {
  std::string client_version;
  std::string root;                   // absolute, symlinks resolved
  std::vector<std::string> includes;  // globs relative to root (fp/glob.h)
  std::vector<std::string> excludes;
  std::string skip_file;         // relative path never taken (the cache file), or empty
  std::string skip_temp_prefix;  // relative path prefix never taken (its temporaries), or empty
  // true: hash the files the cache does not know before answering (the caller has no digests of
  // its own). false: answer them as unknown at once and hash them after the reply, for next time.
  bool hash_unknown = false;
  // fp::records_digest() of the file list the caller recorded last time (16 bytes), or empty. When
  // the list is still exactly that, the reply says `unchanged` instead of repeating it.
  std::string known_records;

  bool operator==(const FingerprintRequest&) const = default;
};

// One element per selected file in each vector, sorted by path, paths unique (decode_payload
// rejects a reply whose vectors disagree in length, see codec.cc).
struct FingerprintReply {
  bool unchanged = false;  // the list is request.known_records' one; the vectors are empty
  std::vector<std::string> paths;  // relative to the root
  std::vector<uint64_t> sizes;
  std::vector<int64_t> mtimes_ns;
  std::vector<int64_t> ctimes_ns;
  std::vector<uint64_t> inodes;
  std::vector<uint8_t> known;  // 1: the digest below is the file's content hash; 0: not read
  std::string digests;         // 16 bytes per file: XXH3-128 of the content (zeros when unknown)

  bool operator==(const FingerprintReply&) const = default;
};

using Message = std::variant<CompileRequest, CompileReply, StoreRequest, StoreReply, CommandRequest,
                             CommandReply, ErrorReply, ExplainRequest, FingerprintRequest, FingerprintReply>;

}  // namespace zccache::protocol
