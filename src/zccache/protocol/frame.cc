#include "zccache/protocol/frame.h"

#include <cstdio>
#include <string>

namespace zccache::protocol {
namespace {

uint32_t load_u32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint16_t load_u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

void store_u32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

void store_u16(uint16_t v, char* p) {
  p[0] = static_cast<char>(v);
  p[1] = static_cast<char>(v >> 8);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

}  // namespace

bool is_known_message_type(uint16_t type) {
  return type >= static_cast<uint16_t>(MessageType::kCompileRequest) &&
         type <= static_cast<uint16_t>(MessageType::kFingerprintReply);
}

void encode_header(MessageType type, uint32_t length, char* out) {
  store_u32(kMagic, out);
  store_u16(kProtocolVersion, out + 4);
  store_u16(static_cast<uint16_t>(type), out + 6);
  store_u32(length, out + 8);
}

Result<FrameHeader> decode_header(std::string_view bytes) {
  if (bytes.size() != kHeaderBytes) {
    return make_error(ErrorCode::kProtocol, "frame header is " + std::to_string(bytes.size()) +
                                                " bytes, expected " + std::to_string(kHeaderBytes));
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint32_t magic = load_u32(p);
  if (magic != kMagic) {
    return make_error(ErrorCode::kProtocol,
                      "bad frame magic " + hex32(magic) + ", expected " + hex32(kMagic));
  }
  const uint16_t version = load_u16(p + 4);
  if (version != kProtocolVersion) {
    return make_error(ErrorCode::kProtocol, "unsupported protocol version " +
                                                std::to_string(version) + ", expected " +
                                                std::to_string(kProtocolVersion));
  }
  const uint16_t type = load_u16(p + 6);
  if (!is_known_message_type(type)) {
    return make_error(ErrorCode::kProtocol, "unknown message type " + std::to_string(type));
  }
  const uint32_t length = load_u32(p + 8);
  if (length > kMaxPayloadBytes) {
    return make_error(ErrorCode::kProtocol, "frame payload of " + std::to_string(length) +
                                                " bytes exceeds the limit of " +
                                                std::to_string(kMaxPayloadBytes));
  }
  return FrameHeader{static_cast<MessageType>(type), length};
}

}  // namespace zccache::protocol
