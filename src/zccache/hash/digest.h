// Digest: a 128-bit XXH3 hash as a value type. Printed as 32 lowercase hex digits.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zccache::hash {

struct Digest {
  std::array<uint8_t, 16> bytes{};

  std::string hex() const;
  static std::optional<Digest> from_hex(std::string_view hex);
  std::string_view raw() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
  static std::optional<Digest> from_raw(std::string_view raw);

  auto operator<=>(const Digest&) const = default;
};

struct DigestHash {
  size_t operator()(const Digest& d) const {
    size_t h;
    static_assert(sizeof(h) <= sizeof(d.bytes));
    __builtin_memcpy(&h, d.bytes.data(), sizeof(h));
    return h;
  }
};

}  // namespace zccache::hash
