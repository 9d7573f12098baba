#include "zccache/protocol/unit_marker.h"

namespace zccache::protocol {

std::string strip_unit_markers(std::string_view text) {
  std::string out;
  size_t pos = 0;
  for (size_t at; (at = text.find(kUnitMarker, pos)) != std::string_view::npos; pos = at + kUnitMarker.size()) {
    out.append(text.substr(pos, at - pos));
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace zccache::protocol
