// one_of: whether a name is in a small fixed table of option names (the front ends' option sets).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace zccache::tools {

template <size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  for (auto n : names)
    if (n == name) return true;
  return false;
}

}  // namespace zccache::tools
