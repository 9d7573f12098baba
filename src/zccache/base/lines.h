// for_each_line: calls f(line) for each '\n'-separated line of text (without the '\n'; a last line
// without one counts too, an empty text has none). f returns nothing. Header-only.
#pragma once

#include <string_view>

namespace zccache {

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

}  // namespace zccache
