#include "zccache/remote/envelope.h"

#include "zccache/hash/hasher.h"

namespace zccache::remote {
namespace {
constexpr std::string_view kMagic = "ZCRE";
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderBytes = 4 + 1 + 1 + 16;
}  // namespace

std::string manifest_name(const hash::Digest& request_key) { return "zc1/m/" + request_key.hex(); }
std::string result_name(const hash::Digest& result_key) { return "zc1/r/" + result_key.hex(); }
std::string artifact_name(const hash::Digest& blob) { return "zc1/a/" + blob.hex(); }

std::string seal(EnvelopeKind kind, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  out.append(kMagic);
  out += static_cast<char>(kVersion);
  out += static_cast<char>(kind);
  out.append(hash::hash_bytes(payload).raw());
  out.append(payload);
  return out;
}

std::optional<std::string> open_envelope(EnvelopeKind kind, std::string_view bytes) {
  if (bytes.size() < kHeaderBytes || bytes.substr(0, 4) != kMagic) return std::nullopt;
  if (static_cast<uint8_t>(bytes[4]) != kVersion || static_cast<uint8_t>(bytes[5]) != static_cast<uint8_t>(kind))
    return std::nullopt;
  auto digest = hash::Digest::from_raw(bytes.substr(6, 16));
  std::string_view payload = bytes.substr(kHeaderBytes);
  if (!digest || hash::hash_bytes(payload) != *digest) return std::nullopt;
  return std::string(payload);
}

}  // namespace zccache::remote
