// Hasher: streaming XXH3-128 with typed delimiters, so that ("ab","c") and ("a","bc") differ.
// Not thread-safe; one per computation.
//
// Small adds are gathered in a buffer and handed to XXH3 together: an update call costs tens of
// ns however few its bytes, and a key over 283 arguments made 566 of them (a sixth of the
// daemon's time on such a hit). XXH3's streaming digest is that of the bytes' concatenation, so
// how they are split into updates changes no digest.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <xxhash.h>

#include "zccache/base/result.h"
#include "zccache/hash/digest.h"

namespace zccache::hash {

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // Adds a length-prefixed string: the unit for every key part.
  Hasher& add(std::string_view s);
  Hasher& add_u64(uint64_t v);
  Hasher& add_digest(const Digest& d) { return add(d.raw()); }
  // Adds raw bytes without a length prefix (content streaming).
  Hasher& add_raw(const void* data, size_t size);
  Digest finish() const;

 private:
  void flush() const;

  XXH3_state_t* state_;
  mutable size_t buffered_ = 0;
  mutable std::array<char, 1024> buffer_;
};

Digest hash_bytes(std::string_view data);

// The digest of what fd reads until its end, read in pieces of buf's size: hash_bytes() of the
// whole content, without holding it in memory. `path` names the file in an error.
Result<Digest> hash_stream(int fd, const std::string& path, std::span<char> buf);

}  // namespace zccache::hash
