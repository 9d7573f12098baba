// ByteWriter / ByteReader: the little-endian primitives of the store's binary encodings (manifest,
// result entry): u8, u32, i32, u64, i64, fixed 16-byte digests, and strings as u32 length + bytes.
// The reader is bounds-checked and sticky: after the first failure every read fails, so a decoder
// can read a whole record and test ok() once. Internal to store/. Not thread-safe (plain values).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "zccache/hash/digest.h"

namespace zccache::store {

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { le(v, 4); }
  void i32(int32_t v) { le(static_cast<uint32_t>(v), 4); }
  void u64(uint64_t v) { le(v, 8); }
  void i64(int64_t v) { le(static_cast<uint64_t>(v), 8); }
  void digest(const hash::Digest& d) { out_.append(d.raw()); }
  // REQUIRES: s.size() < 4 GiB.
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string take() && { return std::move(out_); }

 private:
  void le(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  // True when every byte was consumed without error (trailing bytes mean a malformed record).
  bool done() const { return ok_ && in_.empty(); }

  uint8_t u8() { return static_cast<uint8_t>(le(1)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  int32_t i32() { return static_cast<int32_t>(static_cast<uint32_t>(le(4))); }
  uint64_t u64() { return le(8); }
  int64_t i64() { return static_cast<int64_t>(le(8)); }
  // A u8 that must be 0 or 1.
  bool boolean() {
    uint8_t v = u8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  hash::Digest digest() {
    hash::Digest d;
    if (std::string_view raw = take(d.bytes.size()); ok_) std::memcpy(d.bytes.data(), raw.data(), raw.size());
    return d;
  }
  std::string str() {
    uint32_t n = u32();
    std::string_view s = take(n);
    return ok_ ? std::string(s) : std::string();
  }
  // A u32 element count, rejected when even `min_element_bytes` per element cannot fit in what is
  // left: garbage counts then fail at once instead of driving a long loop or a huge reserve().
  uint32_t count(size_t min_element_bytes) {
    uint32_t n = u32();
    if (ok_ && min_element_bytes > 0 && n > in_.size() / min_element_bytes) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  std::string_view take(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  uint64_t le(size_t bytes) {
    std::string_view s = take(bytes);
    uint64_t v = 0;
    if (!ok_) return 0;
    for (size_t i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[i])) << (8 * i);
    return v;
  }

  std::string_view in_;
  bool ok_ = true;
};

}  // namespace zccache::store
