#include "zccache/os/program_search.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

namespace zccache::os {

std::string find_in_path(const std::string& name, std::string_view path, const std::string& cwd,
                         std::optional<FileId> skip, const std::function<bool(const std::string&)>& may_exist) {
  while (true) {
    size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    std::string candidate = dir.empty() ? cwd + "/" + name
                            : dir[0] == '/' ? std::string(dir) + "/" + name
                                            : cwd + "/" + std::string(dir) + "/" + name;
    struct stat st;
    if ((!may_exist || may_exist(candidate)) && ::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0 &&
        !(skip && static_cast<uint64_t>(st.st_dev) == skip->dev && static_cast<uint64_t>(st.st_ino) == skip->ino)) {
      return candidate;
    }
    if (colon == std::string_view::npos) return {};
    path.remove_prefix(colon + 1);
  }
}

std::string format_file_id(const FileId& id) { return std::to_string(id.dev) + ":" + std::to_string(id.ino); }

std::optional<FileId> parse_file_id(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  FileId id;
  auto dev = std::from_chars(text.data(), text.data() + colon, id.dev);
  auto ino = std::from_chars(text.data() + colon + 1, text.data() + text.size(), id.ino);
  if (dev.ec != std::errc() || dev.ptr != text.data() + colon || ino.ec != std::errc() ||
      ino.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return id;
}

}  // namespace zccache::os
