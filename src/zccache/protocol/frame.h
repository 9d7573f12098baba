// Wire frame: a fixed 12-byte header, then the payload.
//
//   offset 0  u32 magic    0x5A434331 ("ZCC1"), little-endian
//   offset 4  u16 version  kProtocolVersion; another version is rejected
//   offset 6  u16 type     MessageType
//   offset 8  u32 length   payload bytes, at most kMaxPayloadBytes
//
// Payload encoding (codec.cc): fields in declaration order; integers little-endian fixed width
// (bool u8, enums u8, int32/uint32 4 bytes, int64/uint64 8 bytes); strings u32 length + bytes;
// string vectors u32 count + strings; a TrailingStrings field (last in its message) is a string
// vector written only when non-empty and read only when bytes remain. A payload with bytes left over or missing is malformed, as
// is a bool other than 0/1, an enum value past its last enumerator, or a message that breaks its
// own invariants (codec.cc check_invariants: FingerprintReply's parallel vectors). The encoding is canonical:
// decoding then re-encoding any accepted payload gives back the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/protocol/messages.h"

namespace zccache::protocol {

inline constexpr uint32_t kMagic = 0x5A434331;
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr size_t kHeaderBytes = 12;
// Objects plus stdout/stderr of one compile; larger frames are refused, not allocated.
inline constexpr uint32_t kMaxPayloadBytes = 256u << 20;

struct FrameHeader {
  MessageType type;
  uint32_t length;
};

// Validates magic, version, type and length. Any failure, including bytes.size() !=
// kHeaderBytes, is ErrorCode::kProtocol with a message naming the bad field.
Result<FrameHeader> decode_header(std::string_view bytes);

// Writes the kHeaderBytes-byte header for a payload of `length` bytes to out[0..kHeaderBytes).
// REQUIRES: length <= kMaxPayloadBytes (the receiver refuses larger frames).
void encode_header(MessageType type, uint32_t length, char* out);

// True for the MessageType values this version understands.
bool is_known_message_type(uint16_t type);

}  // namespace zccache::protocol
