// The short name of a daemon socket whose path under the cache directory would not fit in
// sockaddr_un: FNV-1a of the cache directory, a stable short name and not a security boundary (the
// directory holding it is 0700 and checked to be ours). Plain C++ without the library: the front
// (src/zccache/front) computes the same name.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace zccache::transport {

inline constexpr uint64_t socket_name_hash(const char* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace zccache::transport
