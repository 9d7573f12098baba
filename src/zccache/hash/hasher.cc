#include "zccache/hash/hasher.h"

#include <unistd.h>

#include <cerrno>

#include "zccache/base/posix_error.h"

namespace zccache::hash {
namespace {
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Digest to_digest(XXH128_hash_t h) {
  Digest d;
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  static_assert(sizeof(c.digest) == 16);
  __builtin_memcpy(d.bytes.data(), c.digest, 16);
  return d;
}
}  // namespace

std::string Digest::hex() const {
  std::string out(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

std::optional<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  Digest d;
  for (size_t i = 0; i < 16; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

std::optional<Digest> Digest::from_raw(std::string_view raw) {
  if (raw.size() != 16) return std::nullopt;
  Digest d;
  __builtin_memcpy(d.bytes.data(), raw.data(), 16);
  return d;
}

Hasher::Hasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
Hasher::~Hasher() { XXH3_freeState(state_); }

Hasher& Hasher::add(std::string_view s) {
  add_u64(s.size());
  return add_raw(s.data(), s.size());
}

Hasher& Hasher::add_u64(uint64_t v) { return add_raw(&v, sizeof(v)); }

Hasher& Hasher::add_raw(const void* data, size_t size) {
  if (size == 0) return *this;
  if (buffered_ + size > buffer_.size()) {
    flush();
    if (size >= buffer_.size()) {  // content streaming: no copy
      XXH3_128bits_update(state_, data, size);
      return *this;
    }
  }
  __builtin_memcpy(buffer_.data() + buffered_, data, size);
  buffered_ += size;
  return *this;
}

void Hasher::flush() const {
  if (buffered_ == 0) return;
  XXH3_128bits_update(state_, buffer_.data(), buffered_);
  buffered_ = 0;
}

Digest Hasher::finish() const {
  flush();
  return to_digest(XXH3_128bits_digest(state_));
}

Digest hash_bytes(std::string_view data) { return to_digest(XXH3_128bits(data.data(), data.size())); }

Result<Digest> hash_stream(int fd, const std::string& path, std::span<char> buf) {
  Hasher hasher;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return posix_error("read", path);
    }
    if (n == 0) break;
    hasher.add_raw(buf.data(), static_cast<size_t>(n));
  }
  return hasher.finish();
}


}  // namespace zccache::hash
