// Make-style depfile parsing and byte-exact rendering; the rules of each compiler are in depfile.h.
#include "zccache/tools/depfile.h"

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools {

namespace {

// gcc 12 c-opts.cc calls deps_write(..., 72); clang 14 hard-codes MaxColumns = 75.
constexpr size_t kGccColumns = 72;
constexpr size_t kClangColumns = 75;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// One logical line of a depfile, split into words (still escaped). `colon` is the index of the
// first word after the rule's ':' (npos when the line has no rule separator).
struct Line {
  std::vector<std::string> words;
  size_t colon = std::string::npos;
};

// Splits text into logical lines: backslash-newline continues a line, an unescaped space or tab
// separates words, and the first ':' that ends a word (followed by a blank, a newline or the end)
// separates targets from deps. Escapes stay in the words.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  bool done() const { return i_ >= s_.size(); }

  Line next_line() {
    Line line;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') {
        ++i_;
        break;
      }
      if (is_blank(c)) {
        ++i_;
        continue;
      }
      if (continuation_at(i_)) {
        skip_continuation();
        continue;
      }
      read_word(line);
    }
    return line;
  }

 private:
  // A backslash followed by a newline (or CRLF) joins two physical lines.
  bool continuation_at(size_t i) const {
    if (s_[i] != '\\') return false;
    if (i + 1 < s_.size() && s_[i + 1] == '\n') return true;
    return i + 2 < s_.size() && s_[i + 1] == '\r' && s_[i + 2] == '\n';
  }
  void skip_continuation() { i_ += s_[i_ + 1] == '\n' ? 2 : 3; }

  void read_word(Line& line) {
    std::string word;
    bool in_targets = line.colon == std::string::npos;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n' || is_blank(c)) break;
      if (c == '\\') {
        if (continuation_at(i_)) break;
        // A run of backslashes before a space or tab: 2N+1 escape the blank (it belongs to the
        // name), 2N end the name.
        size_t run = 0;
        while (i_ + run < s_.size() && s_[i_ + run] == '\\') ++run;
        size_t after = i_ + run;
        if (after < s_.size() && (s_[after] == ' ' || s_[after] == '\t') && run % 2 == 1) {
          word.append(s_.substr(i_, run + 1));
          i_ = after + 1;
          continue;
        }
        word.append(s_.substr(i_, run));
        i_ = after;
        continue;
      }
      if (c == ':' && in_targets) {
        bool ends = i_ + 1 >= s_.size() || s_[i_ + 1] == '\n' || is_blank(s_[i_ + 1]) ||
                    continuation_at(i_ + 1);
        if (ends) {
          ++i_;
          if (!word.empty()) line.words.push_back(std::move(word));
          line.colon = line.words.size();
          return;
        }
      }
      word += c;
      ++i_;
    }
    if (!word.empty()) line.words.push_back(std::move(word));
  }

  std::string_view s_;
  size_t i_ = 0;
};

// gcc mkdeps.cc munge() and clang's QuoteTarget: the same GNU make quoting.
std::string make_quote(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 8);
  size_t slashes = 0;
  for (char c : name) {
    switch (c) {
      case '\\':
        ++slashes;
        out += c;
        continue;
      case ' ':
      case '\t':
        out.append(slashes, '\\');  // the backslashes before a blank are doubled
        out += '\\';
        break;
      case '$':
        out += '$';
        break;
      case '#':
        out += '\\';
        break;
      default:
        break;
    }
    slashes = 0;
    out += c;
  }
  return out;
}

// gcc's apply_vpath without -I- vpaths: leading "./" (and the slashes after it) go.
std::string_view strip_dot_slash(std::string_view t) {
  while (t.size() >= 2 && t[0] == '.' && t[1] == '/') {
    t.remove_prefix(2);
    while (!t.empty() && t[0] == '/') t.remove_prefix(1);
  }
  return t;
}

// libcpp make_write_name: the column check uses the escaped length; `col` is 0 only before the
// very first name.
void gcc_write_name(std::string& out, std::string_view name, size_t& col) {
  if (col != 0) {
    if (col + name.size() > kGccColumns) {
      out += " \\\n";
      col = 0;
    }
    ++col;
    out += ' ';
  }
  col += name.size();
  out += name;
}

std::string render_gcc(const std::vector<std::string>& targets, const std::vector<std::string>& deps,
                       bool phony) {
  std::string out;
  // libcpp writes nothing at all when there are no deps (cannot happen for a real compile).
  if (deps.empty()) return out;
  size_t col = 0;
  for (const std::string& t : targets) gcc_write_name(out, t, col);
  out += ':';
  ++col;
  for (const std::string& d : deps) gcc_write_name(out, d, col);
  out += '\n';
  if (phony) {
    for (size_t i = 1; i < deps.size(); ++i) {
      out += deps[i];
      out += ":\n";
    }
  }
  return out;
}

std::string render_clang(const std::vector<std::string>& targets, const std::vector<std::string>& deps,
                         bool phony, size_t input_index) {
  std::string out;
  size_t col = 0;
  for (const std::string& t : targets) {
    size_t n = t.size();
    if (col == 0) {
      col += n;
    } else if (col + n + 2 > kClangColumns) {
      col = n + 2;
      out += " \\\n  ";
    } else {
      col += n + 1;
      out += ' ';
    }
    out += t;
  }
  out += ':';
  col += 1;
  for (const std::string& d : deps) {
    // clang measures the file name before escaping it.
    size_t n = unescape_depfile_name(d).size();
    if (col + (n + 1) + 2 > kClangColumns) {
      out += " \\\n ";
      col = 2;
    }
    out += ' ';
    out += d;
    col += n + 1;
  }
  out += '\n';
  if (phony) {
    for (size_t i = 0; i < deps.size(); ++i) {
      if (i == input_index) continue;
      out += '\n';
      out += deps[i];
      out += ":\n";
    }
  }
  return out;
}

}  // namespace

std::string unescape_depfile_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '$' && i + 1 < s.size() && s[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    size_t run = 0;
    while (i + run < s.size() && s[i + run] == '\\') ++run;
    size_t after = i + run;
    if (after < s.size() && (s[after] == ' ' || s[after] == '\t')) {
      out.append(run / 2, '\\');  // 2N+1 backslashes and a blank: N backslashes and the blank
      out += s[after];
      i = after + 1;
    } else if (after < s.size() && s[after] == '#') {
      out.append(run - 1, '\\');  // compilers escape '#' without doubling what precedes it
      out += '#';
      i = after + 1;
    } else {
      out.append(run, '\\');
      i = after;
    }
  }
  return out;
}

std::optional<Depfile> parse_depfile(std::string_view text) {
  Lexer lexer(text);
  Depfile depfile;
  bool have_rule = false;
  std::vector<std::string> phony_names;
  while (!lexer.done()) {
    Line line = lexer.next_line();
    if (line.words.empty() && line.colon == std::string::npos) continue;  // blank line
    if (line.colon == std::string::npos) return std::nullopt;               // words but no rule
    if (!have_rule) {
      if (line.colon == 0) return std::nullopt;  // a rule without targets
      depfile.targets.assign(line.words.begin(), line.words.begin() + line.colon);
      depfile.deps.assign(line.words.begin() + line.colon, line.words.end());
      have_rule = true;
      continue;
    }
    // Only -MP phony rules may follow: one target, no deps.
    if (line.colon != 1 || line.words.size() != 1) return std::nullopt;
    phony_names.push_back(std::move(line.words[0]));
  }
  if (!have_rule) return std::nullopt;

  for (const std::string& dep : depfile.deps) depfile.dep_paths.push_back(unescape_depfile_name(dep));
  if (!phony_names.empty()) {
    depfile.phony_targets = true;
    std::set<std::string_view> phony(phony_names.begin(), phony_names.end());
    for (size_t i = 0; i < depfile.deps.size(); ++i) {
      if (phony.count(depfile.deps[i]) == 0) {
        depfile.input_index = i;
        break;
      }
    }
  }
  return depfile;
}

std::optional<std::vector<DependencyRule>> parse_dependency_rules(std::string_view text) {
  Lexer lexer(text);
  std::vector<DependencyRule> rules;
  while (!lexer.done()) {
    Line line = lexer.next_line();
    if (line.words.empty() && line.colon == std::string::npos) continue;  // blank line
    if (line.colon == std::string::npos || line.colon == 0) return std::nullopt;
    DependencyRule& rule = rules.emplace_back();
    for (size_t i = 0; i < line.words.size(); ++i) {
      (i < line.colon ? rule.targets : rule.dep_paths).push_back(unescape_depfile_name(line.words[i]));
    }
  }
  return rules;
}

std::string render_depfile(Family family, const std::vector<std::string>& targets,
                           const std::vector<std::string>& deps, bool phony_targets,
                           size_t input_index) {
  if (family == Family::kClang) return render_clang(targets, deps, phony_targets, input_index);
  return render_gcc(targets, deps, phony_targets);
}

std::string quote_target(Family family, std::string_view name) {
  if (family == Family::kClang) return make_quote(name);
  return make_quote(strip_dot_slash(name));
}

}  // namespace zccache::tools
