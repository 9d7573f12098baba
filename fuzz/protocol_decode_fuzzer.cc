// libFuzzer target for the daemon's first line of defence: bytes from a socket -> Message.
//
// Two paths per input:
//  1. the input as a whole frame: decode_header() on the first kHeaderBytes, then decode_payload()
//     on the rest when its length matches the header (as transport::receive_message() does);
//  2. the input as a bare payload of the type named by its first byte, so the fuzzer reaches every
//     payload decoder without first having to guess a matching length field.
// Whatever decodes must re-encode to the same bytes (the encoding is canonical, frame.h), which
// also checks that encoded_payload_size() and message_type() agree with the decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "zccache/protocol/codec.h"
#include "zccache/protocol/frame.h"

namespace {

using zccache::protocol::decode_header;
using zccache::protocol::decode_payload;
using zccache::protocol::encode_frame;
using zccache::protocol::encoded_payload_size;
using zccache::protocol::kHeaderBytes;
using zccache::protocol::Message;
using zccache::protocol::message_type;
using zccache::protocol::MessageType;

void check_canonical(const Message& message, MessageType type, std::string_view payload) {
  if (message_type(message) != type) std::abort();
  if (encoded_payload_size(message) != payload.size()) std::abort();
  const std::string frame = encode_frame(message);
  if (std::string_view(frame).substr(kHeaderBytes) != payload) std::abort();
  auto header = decode_header(std::string_view(frame).substr(0, kHeaderBytes));
  if (!header.ok() || header->type != type || header->length != payload.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. A whole frame.
  if (input.size() >= kHeaderBytes) {
    auto header = decode_header(input.substr(0, kHeaderBytes));
    if (header.ok()) {
      const std::string_view payload = input.substr(kHeaderBytes);
      if (payload.size() == header->length) {
        auto message = decode_payload(header->type, payload);
        if (message.ok()) check_canonical(*message, header->type, payload);
      }
    }
  }

  // 2. A bare payload; first byte % 12 picks the type (0 and 11 exercise the unknown-type path).
  if (!input.empty()) {
    const auto type = static_cast<MessageType>(static_cast<uint8_t>(input[0]) % 12);
    const std::string_view payload = input.substr(1);
    auto message = decode_payload(type, payload);
    if (message.ok()) check_canonical(*message, type, payload);
  }
  return 0;
}
