#include "zccache/tools/link/tar_names.h"

namespace zccache::tools::link {
namespace {

std::string_view c_string(std::string_view field) { return field.substr(0, field.find('\0')); }

std::optional<uint64_t> octal(std::string_view field) {
  uint64_t v = 0;
  bool digits = false;
  for (char c : field) {
    if (c == '\0' || c == ' ') {
      if (digits) break;
      continue;
    }
    if (c < '0' || c > '7') return std::nullopt;
    if (v > (UINT64_MAX >> 3)) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(c - '0');
    digits = true;
  }
  if (!digits) return std::nullopt;
  return v;
}

}  // namespace

std::optional<TarHeader> parse_tar_header(std::string_view block) {
  if (block.size() != kTarBlock) return std::nullopt;
  TarHeader h;
  if (block.find_first_not_of('\0') == std::string_view::npos) {
    h.end = true;
    return h;
  }
  if (block.substr(257, 5) != "ustar") return std::nullopt;
  auto size = octal(block.substr(124, 12));
  if (!size) return std::nullopt;
  h.size = *size;
  h.type = block[156];
  std::string_view name = c_string(block.substr(0, 100));
  std::string_view prefix = c_string(block.substr(345, 155));
  h.name = prefix.empty() ? std::string(name) : std::string(prefix) + "/" + std::string(name);
  return h;
}

std::optional<std::string> pax_path(std::string_view data) {
  while (!data.empty()) {
    size_t space = data.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    uint64_t len = 0;
    for (char c : data.substr(0, space)) {
      if (c < '0' || c > '9' || len > data.size()) return std::nullopt;
      len = len * 10 + static_cast<uint64_t>(c - '0');
    }
    if (len <= space + 1 || len > data.size() || data[len - 1] != '\n') return std::nullopt;
    std::string_view record = data.substr(space + 1, len - space - 2);  // "key=value"
    if (record.substr(0, 5) == "path=") return std::string(record.substr(5));
    data.remove_prefix(len);
  }
  return std::nullopt;
}

}  // namespace zccache::tools::link
