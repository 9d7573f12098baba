// Follows CPython's Lib/shlex.py read_token() with posix=True, whitespace_split=True and no
// commenters: outside quotes a backslash takes the next character literally; inside double
// quotes it escapes only '"' and '\' (otherwise it stays); single quotes take everything
// literally; a quoted empty string is a token.
#include "zccache/tools/emscripten/shlex.h"

namespace zccache::tools::emscripten {

std::optional<std::vector<std::string>> shlex_split(std::string_view text) {
  std::vector<std::string> tokens;
  std::string token;
  bool in_token = false;  // a token has started (quotes alone start one)
  size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    char c = text[i++];
    if (is_space(c)) {
      if (in_token) tokens.push_back(std::move(token));
      token.clear();
      in_token = false;
    } else if (c == '\\') {
      if (i >= text.size()) return std::nullopt;  // "No escaped character"
      token += text[i++];
      in_token = true;
    } else if (c == '\'') {
      size_t end = text.find('\'', i);
      if (end == std::string_view::npos) return std::nullopt;  // "No closing quotation"
      token.append(text.substr(i, end - i));
      i = end + 1;
      in_token = true;
    } else if (c == '"') {
      in_token = true;
      while (true) {
        if (i >= text.size()) return std::nullopt;
        char q = text[i++];
        if (q == '"') break;
        if (q == '\\') {
          if (i >= text.size()) return std::nullopt;
          char next = text[i++];
          if (next != '"' && next != '\\') token += '\\';
          token += next;
        } else {
          token += q;
        }
      }
    } else {
      token += c;
      in_token = true;
    }
  }
  if (in_token) tokens.push_back(std::move(token));
  return tokens;
}

}  // namespace zccache::tools::emscripten
