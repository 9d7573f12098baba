// The front's side of the wire format (protocol/frame.h, protocol/codec.cc), written without the
// C++ library: a CompileRequest frame built straight from argv and environ into one buffer, and a
// CompileReply checked field by field, far enough to serve a hit. tests/unit front_wire_test.cc
// holds it to the codec: the codec decodes what this writes, and this reads what the codec writes.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace zccache::front {

// protocol/frame.h and messages.h (front_wire_test.cc checks that they agree).
inline constexpr uint32_t kMagic = 0x5A434331;
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr size_t kHeaderBytes = 12;
inline constexpr uint32_t kMaxPayloadBytes = 256u << 20;
inline constexpr uint16_t kCompileRequestType = 1;
inline constexpr uint16_t kCompileReplyType = 2;
inline constexpr uint8_t kOutcomeHit = 0;
inline constexpr uint8_t kLastOutcome = 4;  // CompileOutcome::kMulti

struct Bytes {
  const char* data = nullptr;
  size_t size = 0;
};

// A CompileRequest's fields (protocol/messages.h), in its field order.
struct Request {
  Bytes client_version;
  Bytes compiler;
  char* const* args = nullptr;  // argv after the compiler
  size_t arg_count = 0;
  Bytes cwd;
  char* const* env = nullptr;   // "NAME=VALUE" entries, nullptr-terminated (environ)
  uint32_t umask = 022;
  bool stderr_is_tty = false;
  Bytes session_id;
  Bytes path_search;
};

// The whole frame's size (header and payload); 0 when the payload is over kMaxPayloadBytes.
size_t request_frame_size(const Request& request);
// Writes the frame: exactly request_frame_size(request) bytes (non-zero) to out.
void write_request_frame(const Request& request, char* out);

// A header as protocol::decode_header accepts it: our magic and version, length within the limit.
// The type is left to the caller.
struct Header {
  uint16_t type = 0;
  uint32_t length = 0;
};
bool parse_header(const char* bytes, Header* out);  // bytes: kHeaderBytes of them

// A CompileReply payload as the codec would decode it, every field walked and bounded; only what
// a hit needs is kept (pointing into the payload).
struct Reply {
  uint8_t outcome = 0;
  int32_t exit_code = 0;
  Bytes stdout_data;
  Bytes stderr_data;
};
bool parse_reply(const char* payload, size_t size, Reply* out);

}  // namespace zccache::front
