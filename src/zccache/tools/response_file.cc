// Response-file tokenizing and expansion; see response_file.h for the rules and where gcc and
// clang differ.
#include "zccache/tools/response_file.h"

#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools {

namespace {

// libiberty's ISSPACE: the C locale's isspace.
bool is_gcc_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
// llvm::cl's isWhitespace: only these four.
bool is_clang_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// libiberty buildargv: an argument starts at any non-space; quotes and backslashes apply inside.
// A token made only of quotes is an empty argument. A trailing backslash escapes the final NUL,
// which ends the string: it is dropped.
std::vector<std::string> tokenize_gcc(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && is_gcc_space(s[i])) ++i;
    if (i >= s.size()) break;
    std::string arg;
    char quote = 0;
    bool escaped = false;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (escaped) {
        arg += c;
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (quote != 0) {
        if (c == quote) quote = 0;
        else arg += c;
      } else if (is_gcc_space(c)) {
        break;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else {
        arg += c;
      }
    }
    out.push_back(std::move(arg));
  }
  return out;
}

// llvm::cl::TokenizeGNUCommandLine (LLVM 14): empty tokens are never emitted; a backslash that is
// the last character is kept literally.
std::vector<std::string> tokenize_clang(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  std::vector<std::string> out;
  std::string token;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (is_clang_space(c)) {
      if (!token.empty()) out.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (c == '\\' && i + 1 < s.size()) {
      token += s[++i];
      continue;
    }
    if (c == '\'' || c == '"') {
      ++i;
      while (i < s.size() && s[i] != c) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        token += s[i];
        ++i;
      }
      if (i == s.size()) break;
      continue;
    }
    token += c;
  }
  if (!token.empty()) out.push_back(std::move(token));
  return out;
}

std::string resolve(std::string_view path, std::string_view cwd) {
  if (path.empty() || path.front() == '/' || cwd.empty()) return std::string(path);
  std::string out(cwd);
  if (out.back() != '/') out += '/';
  out += path;
  return out;
}

// Appends the expansion of args to out. Returns false when nesting passes kMaxResponseDepth or
// files_left runs out.
bool expand_into(const std::vector<std::string>& args, std::string_view cwd, FileReader& reader,
                 Family family, int depth, int& files_left, std::vector<std::string>& out) {
  for (const std::string& arg : args) {
    if (arg.size() < 2 || arg.front() != '@') {
      out.push_back(arg);
      continue;
    }
    std::optional<std::string> content = reader.read(resolve(std::string_view(arg).substr(1), cwd));
    if (!content) {
      out.push_back(arg);  // both drivers keep an unreadable @file as a literal argument
      continue;
    }
    if (depth >= kMaxResponseDepth || --files_left < 0) return false;
    if (!expand_into(tokenize_response_file(*content, family), cwd, reader, family, depth + 1,
                     files_left, out)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> tokenize_response_file(std::string_view content, Family family) {
  return family == Family::kClang ? tokenize_clang(content) : tokenize_gcc(content);
}

std::optional<std::vector<std::string>> expand_response_files(const std::vector<std::string>& args,
                                                              std::string_view cwd, FileReader& reader,
                                                              Family family) {
  std::vector<std::string> out;
  out.reserve(args.size());
  int files_left = kMaxResponseFiles;
  if (!expand_into(args, cwd, reader, family, 0, files_left, out)) return std::nullopt;
  return out;
}

}  // namespace zccache::tools
