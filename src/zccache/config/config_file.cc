#include "zccache/config/config_file.h"

#include "zccache/os/atomic_file.h"
#include "zccache/os/file_info.h"

namespace zccache::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ignored(std::string_view line) {
  line = trim(line);
  return line.empty() || line.front() == '#';
}

// KEY = VALUE, or nullopt.
std::optional<std::pair<std::string_view, std::string_view>> split(std::string_view line) {
  size_t eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view key = trim(line.substr(0, eq));
  if (key.empty()) return std::nullopt;
  return std::pair{key, trim(line.substr(eq + 1))};
}

}  // namespace

Result<ConfigFile> ConfigFile::parse(std::string_view text) {
  ConfigFile file;
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (!ignored(line) && !split(line)) {
      return make_error(ErrorCode::kInvalid, "line " + std::to_string(number) + ": expected KEY = VALUE, got '" +
                                                 std::string(trim(line)) + "'");
    }
    file.lines_.emplace_back(line);
  }
  return file;
}

Result<ConfigFile> ConfigFile::read(const std::string& path) {
  auto text = os::read_file(path);
  if (!text.ok()) {
    if (text.error().code == ErrorCode::kNotFound) return ConfigFile{};
    return text.error();
  }
  auto file = parse(*text);
  if (!file.ok()) return make_error(ErrorCode::kInvalid, path + ": " + file.error().message);
  return file;
}

std::optional<std::string> ConfigFile::get(std::string_view key) const {
  std::optional<std::string> value;
  for (const auto& line : lines_) {
    if (ignored(line)) continue;
    auto kv = split(line);
    if (kv && kv->first == key) value = std::string(kv->second);  // the last one wins
  }
  return value;
}

void ConfigFile::set(const std::string& key, const std::string& value) {
  std::string line = key + " = " + value;
  bool replaced = false;
  for (auto it = lines_.begin(); it != lines_.end();) {
    auto kv = ignored(*it) ? std::nullopt : split(*it);
    if (kv && kv->first == key) {
      if (replaced) {
        it = lines_.erase(it);  // a duplicate would override the new value
        continue;
      }
      *it = line;
      replaced = true;
    }
    ++it;
  }
  if (!replaced) lines_.push_back(line);
}

std::vector<std::pair<std::string, std::string>> ConfigFile::settings() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& line : lines_) {
    if (ignored(line)) continue;
    if (auto kv = split(line)) out.emplace_back(kv->first, kv->second);
  }
  return out;
}

std::string ConfigFile::text() const {
  std::string out;
  for (const auto& line : lines_) out.append(line).append("\n");
  return out;
}

Status ConfigFile::write(const std::string& path) const { return os::write_file_atomic(path, text(), 0644); }

}  // namespace zccache::config
