#include "zccache/tools/link/reproduce_tar.h"

namespace zccache::tools::link {
namespace {

// lld writes one "path" record; anything near this size is not its header.
constexpr uint64_t kMaxPaxBytes = 1u << 20;

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

// response.txt lines naming a search directory: "-L DIR", "-LDIR", "--library-path DIR" or
// "--library-path=DIR"; lld quotes a value holding a space ("...").
void search_dirs_of(std::string_view text, std::vector<std::string>& dirs) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    std::string_view value;
    if (line.substr(0, 3) == "-L ") value = line.substr(3);
    else if (line.substr(0, 15) == "--library-path ") value = line.substr(15);
    else if (line.substr(0, 15) == "--library-path=") value = line.substr(15);
    else if (line.substr(0, 2) == "-L") value = line.substr(2);
    else continue;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (!value.empty()) dirs.emplace_back(value);
  }
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

Result<ReproduceInputs> read_reproduce_tar(TarSource& tar, std::string_view root_name) {
  auto bad = [](std::string why) { return make_error(ErrorCode::kCorrupt, std::move(why)); };
  const std::string root = std::string(root_name) + "/";
  const uint64_t total = tar.size();
  ReproduceInputs out;
  std::string block;
  std::optional<std::string> pax_name;  // the next member's real name
  uint64_t offset = 0;
  size_t members = 0;
  while (true) {
    if (offset > total || total - offset < kTarBlock || !tar.read(offset, kTarBlock, block)) {
      return bad("truncated (no end-of-archive block)");
    }
    auto header = parse_tar_header(block);
    if (!header) return bad("not a ustar header");
    if (header->end) break;
    offset += kTarBlock;
    if (header->size > total - offset) return bad("truncated (member data past the end)");
    if (header->type == 'x') {
      std::string data;
      if (header->size > kMaxPaxBytes || !tar.read(offset, header->size, data)) return bad("bad PAX header");
      pax_name = pax_path(data);
      if (!pax_name) return bad("PAX header without a path");
    } else if (header->type == '0' || header->type == '\0') {
      std::string name = pax_name ? std::move(*pax_name) : std::move(header->name);
      pax_name.reset();
      if (name.compare(0, root.size(), root) != 0) return bad("member outside " + root + ": " + name);
      name.erase(0, root.size());
      // The first two members are lld's own; an input whose path collides with them is missing
      // from the list (see the header).
      if (members == 0) {
        if (name != "response.txt") return bad("response.txt is not first");
        std::string text;
        if (!tar.read(offset, header->size, text)) return bad("response.txt unreadable");
        search_dirs_of(text, out.search_dirs);
      } else if (members == 1) {
        if (name != "version.txt") return bad("version.txt is not second");
      } else {
        out.files.push_back("/" + name);
      }
      ++members;
    } else {
      return bad(std::string("unexpected member type ") + header->type);
    }
    offset += tar_padded(header->size);
  }
  if (members < 2) return bad("no response.txt and version.txt");
  return out;
}

}  // namespace zccache::tools::link
