// Bytes <-> messages. No I/O: fuzzable and unit-tested on its own. Stateless and thread-safe.
// The payload layout is documented in frame.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/protocol/frame.h"
#include "zccache/protocol/messages.h"

namespace zccache::protocol {

// The wire type of the alternative that `message` holds.
MessageType message_type(const Message& message);

// The exact payload size encode_frame() will write after the header. Lets a sender refuse a
// message over kMaxPayloadBytes before it allocates the frame.
size_t encoded_payload_size(const Message& message);

// A whole frame: header + payload, in one allocation of exactly kHeaderBytes + payload size.
// REQUIRES: encoded_payload_size(message) <= kMaxPayloadBytes (checked by assert; the receiver
// refuses larger frames anyway).
std::string encode_frame(const Message& message);

// Decodes the payload of a frame whose header said `type`. Never crashes on malformed input:
// returns ErrorCode::kProtocol. Allocates in proportion to payload.size(), whatever the lengths
// inside the payload claim (every length is checked against the bytes that remain first).
Result<Message> decode_payload(MessageType type, std::string_view payload);

}  // namespace zccache::protocol
