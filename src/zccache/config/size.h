// Sizes as users write them: "10G", "500M", "1.5G", "64K", or a plain number of bytes. The units
// K, M, G and T are powers of 1024 (10G = 10 GiB); an optional "i" and/or "B" after the unit is
// accepted ("10GiB", "10GB" mean the same). Case does not matter. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "zccache/base/result.h"

namespace zccache::config {

// kInvalid with a one-line message naming the text and the accepted forms.
Result<uint64_t> parse_size(std::string_view text);
// The shortest exact spelling parse_size accepts: 10737418240 -> "10G", 1610612736 -> "1536M",
// 1000 -> "1000".
std::string format_size(uint64_t bytes);

}  // namespace zccache::config
