// What travels to and from a remote, and the names it travels under.
//
// Names (one namespace per format version, so that an incompatible zccache never reads them):
//   zc1/m/<request key hex>  an envelope of kind kManifest: store::encode_manifest
//   zc1/r/<result key hex>   an envelope of kind kResult: store::encode_result
//   zc1/a/<blob hex>         an artifact's raw bytes; its name is the XXH3-128 of its content
//
// Envelope: "ZCRE" (4 bytes), u8 version (1), u8 kind, the XXH3-128 of the payload (16 bytes),
// then the payload. Manifests and results are named by keys, not by their content, so the
// envelope's digest is what tells a damaged or truncated value (a disk error on the server, a
// proxy that cut the body, another program writing the same name) from a good one. Artifacts are
// checked against their name instead. A value that fails either check is never used.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zccache/hash/digest.h"

namespace zccache::remote {

enum class EnvelopeKind : uint8_t { kManifest = 1, kResult = 2 };

std::string manifest_name(const hash::Digest& request_key);
std::string result_name(const hash::Digest& result_key);
std::string artifact_name(const hash::Digest& blob);

std::string seal(EnvelopeKind kind, std::string_view payload);
// The payload, or nullopt when the bytes are not an intact envelope of that kind.
std::optional<std::string> open_envelope(EnvelopeKind kind, std::string_view bytes);

}  // namespace zccache::remote
