#include "zccache/tools/emscripten/config.h"

namespace zccache::tools::emscripten {
namespace {

void skip_space(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

// A Python string literal without escapes or prefixes ('...' or "..."); the only escape we accept
// is none at all, so the text is exactly the value.
std::optional<std::string> parse_string(std::string_view& s) {
  if (s.empty() || (s.front() != '\'' && s.front() != '"')) return std::nullopt;
  char quote = s.front();
  size_t end = s.find(quote, 1);
  if (end == std::string_view::npos) return std::nullopt;
  std::string value(s.substr(1, end - 1));
  if (value.find('\\') != std::string::npos) return std::nullopt;
  s.remove_prefix(end + 1);
  return value;
}

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::optional<ConfigValue> parse_literal(std::string_view& s) {
  ConfigValue v;
  if (auto str = parse_string(s)) {
    v.kind = ConfigValue::Kind::kString;
    v.text = std::move(*str);
    return v;
  }
  if (!s.empty() && s.front() == '[') {
    s.remove_prefix(1);
    v.kind = ConfigValue::Kind::kList;
    skip_space(s);
    while (!s.empty() && s.front() != ']') {
      auto item = parse_string(s);
      if (!item) return std::nullopt;
      v.items.push_back(std::move(*item));
      skip_space(s);
      if (!s.empty() && s.front() == ',') s.remove_prefix(1);
      skip_space(s);
    }
    if (s.empty()) return std::nullopt;
    s.remove_prefix(1);
    return v;
  }
  size_t n = 0;
  while (n < s.size() && is_name_char(s[n])) ++n;
  std::string_view word = s.substr(0, n);
  if (word.empty()) return std::nullopt;
  if (word == "True" || word == "False") {
    v.kind = ConfigValue::Kind::kBool;
  } else if (word == "None") {
    v.kind = ConfigValue::Kind::kNone;
  } else {
    for (char c : word) {
      if (c < '0' || c > '9') return std::nullopt;  // a name: another variable's value
    }
    v.kind = ConfigValue::Kind::kNumber;
  }
  v.text = std::string(word);
  s.remove_prefix(n);
  return v;
}

}  // namespace

bool ConfigValue::truthy() const {
  switch (kind) {
    case Kind::kString:
      return !text.empty();
    case Kind::kNumber:
      return text.find_first_not_of('0') != std::string::npos;
    case Kind::kBool:
      return text == "True";
    case Kind::kNone:
      return false;
    case Kind::kList:
      return !items.empty();
  }
  return false;
}

std::string ConfigValue::first() const {
  if (kind == Kind::kList) return items.empty() ? std::string() : items.front();
  return kind == Kind::kString ? text : std::string();
}

std::optional<Config> parse_static_config(std::string_view text) {
  Config config;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view s = line;
    skip_space(s);
    if (s.empty() || s.front() == '#') continue;
    if (s.size() != line.size()) return std::nullopt;  // indented: inside a block
    size_t n = 0;
    while (n < s.size() && is_name_char(s[n])) ++n;
    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return std::nullopt;
    std::string name(s.substr(0, n));
    s.remove_prefix(n);
    skip_space(s);
    if (s.empty() || s.front() != '=' || (s.size() > 1 && s[1] == '=')) return std::nullopt;
    s.remove_prefix(1);
    skip_space(s);
    auto value = parse_literal(s);
    if (!value) return std::nullopt;
    skip_space(s);
    if (!s.empty() && s.front() != '#') return std::nullopt;  // an expression, a second statement
    config[name] = std::move(*value);
  }
  return config;
}

void apply_env_overrides(Config& config, const std::vector<std::string>& env) {
  for (std::string_view key : kConfigKeys) {
    for (const std::string& e : env) {
      if (e.size() > key.size() + 3 && e.compare(0, 3, "EM_") == 0 && e.compare(3, key.size(), key) == 0 &&
          e[3 + key.size()] == '=') {
        ConfigValue v;
        v.kind = ConfigValue::Kind::kString;
        v.text = e.substr(4 + key.size());
        config[std::string(key)] = std::move(v);
      }
    }
  }
}

}  // namespace zccache::tools::emscripten
