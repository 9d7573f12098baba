// How the front (src/zccache/front, the `zccache` binary) hands a command over to the client
// (`zccache-client`, this folder) when it is not a hit the front can answer alone:
//
//   zccache-client --zccache-handoff MODE FRONT_ID ARGV0 ARGS...
//
// MODE: "ask"      nothing was sent; the client asks the daemon as if the build had run it;
//       "uncached" the daemon was asked and failed (no reply, a malformed one): run uncached;
//       N (digits) descriptor N is the daemon connection, with the reply to the front's
//                  CompileRequest unread in it (the front only peeked at it).
// FRONT_ID: the front binary's os::format_file_id, which a PATH search skips (a masquerade symlink
// points at the front, not at the client), or "-" when unknown.
// ARGV0 ARGS...: the front's own argv.
//
// Plain constants only: the front is built without the C++ library (the client's side of a
// handoff is handoff.h).
#pragma once

namespace zccache::client {

inline constexpr const char* kClientBinaryName = "zccache-client";
inline constexpr const char* kHandoffOption = "--zccache-handoff";
inline constexpr const char* kHandoffAsk = "ask";
inline constexpr const char* kHandoffUncached = "uncached";
inline constexpr const char* kHandoffNoId = "-";

}  // namespace zccache::client

