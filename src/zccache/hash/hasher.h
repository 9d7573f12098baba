// Hasher: streaming XXH3-128 with typed delimiters, so that ("ab","c") and ("a","bc") differ.
// Not thread-safe; one per computation.
#pragma once

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
  XXH3_state_t* state_;
};

Digest hash_bytes(std::string_view data);

// The digest of what fd reads until its end, read in pieces of buf's size: hash_bytes() of the
// whole content, without holding it in memory. `path` names the file in an error.
Result<Digest> hash_stream(int fd, const std::string& path, std::span<char> buf);

}  // namespace zccache::hash
