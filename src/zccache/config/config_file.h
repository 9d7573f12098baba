// ConfigFile: the settings file <cache dir>/config, edited by `zccache config KEY VALUE` and read
// by the daemon and the CLI.
//
// Format: UTF-8 text, one setting per line as `KEY = VALUE` (spaces around '=' optional), blank
// lines and lines starting with '#' ignored. Keys are the `zccache config` names (`max-size`).
// set() replaces the line of an existing key in place and keeps every other line (comments,
// settings this version does not know) as it was. Plain value type; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/result.h"

namespace zccache::config {

class ConfigFile {
 public:
  // kInvalid naming the line for anything that is not blank, a comment or KEY = VALUE.
  static Result<ConfigFile> parse(std::string_view text);
  // A missing file is an empty configuration.
  static Result<ConfigFile> read(const std::string& path);

  std::optional<std::string> get(std::string_view key) const;
  void set(const std::string& key, const std::string& value);
  // Every KEY = VALUE in file order.
  std::vector<std::pair<std::string, std::string>> settings() const;
  std::string text() const;
  // Writes text() atomically (temporary + rename), mode 0644.
  Status write(const std::string& path) const;

 private:
  std::vector<std::string> lines_;
};

}  // namespace zccache::config
