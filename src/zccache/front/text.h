// Text: a NUL-terminated string in a fixed buffer, the front's only string type (it is built
// without the C++ library).
#pragma once

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "zccache/front/wire.h"

namespace zccache::front {

inline constexpr size_t kTextBytes = PATH_MAX + 64;

// `ok` turns false when an add would not fit (the string keeps what came before it).
struct Text {
  char data[kTextBytes];
  size_t size = 0;
  bool ok = true;

  Text() { data[0] = '\0'; }
  void add(const char* s, size_t n) {
    if (!ok || n >= sizeof data - size) {
      ok = false;
      return;
    }
    memcpy(data + size, s, n);
    size += n;
    data[size] = '\0';
  }
  void add(const char* s) { add(s, strlen(s)); }
  void add_number(unsigned long long v, int base = 10, size_t min_digits = 1) {
    char digits[24];
    size_t n = 0;
    do {
      digits[n++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v != 0 || n < min_digits);
    while (n > 0) add(&digits[--n], 1);
  }
  Bytes bytes() const { return Bytes{data, size}; }
};

}  // namespace zccache::front
