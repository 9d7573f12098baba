#include "zccache/tools/emscripten/reproduce.h"

#include <cstdint>

namespace zccache::tools::emscripten {
namespace {

constexpr size_t kBlock = 512;

std::string_view field(std::string_view header, size_t offset, size_t size) {
  std::string_view f = header.substr(offset, size);
  size_t nul = f.find('\0');
  return nul == std::string_view::npos ? f : f.substr(0, nul);
}

std::optional<uint64_t> octal(std::string_view f) {
  uint64_t v = 0;
  bool any = false;
  for (char c : f) {
    if (c == ' ' || c == '\0') {
      if (any) break;
      continue;
    }
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(c - '0');
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

// "NN path=VALUE\n" records of a PAX extended header: the value of `path`, if any.
std::optional<std::string> pax_path(std::string_view records) {
  while (!records.empty()) {
    size_t space = records.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    uint64_t len = 0;
    for (char c : records.substr(0, space)) {
      if (c < '0' || c > '9') return std::nullopt;
      len = len * 10 + static_cast<uint64_t>(c - '0');
    }
    if (len <= space + 1 || len > records.size()) return std::nullopt;
    std::string_view record = records.substr(space + 1, len - space - 2);  // without the '\n'
    if (record.substr(0, 5) == "path=") return std::string(record.substr(5));
    records.remove_prefix(len);
  }
  return std::nullopt;
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

std::optional<ReproduceInputs> parse_reproduce_tar(std::string_view tar) {
  ReproduceInputs out;
  bool saw_response = false;
  std::optional<std::string> long_name;
  size_t pos = 0;
  while (true) {
    if (pos + kBlock > tar.size()) return std::nullopt;  // no end-of-archive block
    std::string_view header = tar.substr(pos, kBlock);
    if (header.find_first_not_of('\0') == std::string_view::npos) break;  // end of archive
    if (header.substr(257, 5) != "ustar") return std::nullopt;
    auto size = octal(field(header, 124, 12));
    if (!size) return std::nullopt;
    char type = header[156];
    size_t data = pos + kBlock;
    if (*size > tar.size() - data) return std::nullopt;
    std::string_view content = tar.substr(data, *size);
    pos = data + (*size + kBlock - 1) / kBlock * kBlock;
    if (type == 'x') {
      long_name = pax_path(content);
      if (!long_name) return std::nullopt;
      continue;
    }
    std::string name;
    if (long_name) {
      name = std::move(*long_name);
      long_name.reset();
    } else {
      std::string_view prefix = field(header, 345, 155);
      name = prefix.empty() ? std::string(field(header, 0, 100))
                            : std::string(prefix) + "/" + std::string(field(header, 0, 100));
    }
    if (type != '0' && type != '\0') continue;  // lld writes regular files only
    size_t slash = name.find('/');
    if (slash == std::string::npos) return std::nullopt;
    std::string_view rest = std::string_view(name).substr(slash + 1);
    if (rest == "response.txt") {
      search_dirs_of(content, out.search_dirs);
      saw_response = true;
    } else if (rest != "version.txt") {
      out.files.push_back("/" + std::string(rest));
    }
  }
  if (!saw_response) return std::nullopt;
  return out;
}

}  // namespace zccache::tools::emscripten
