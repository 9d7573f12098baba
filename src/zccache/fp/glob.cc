#include "zccache/fp/glob.h"

namespace zccache::fp {

// Greedy with one backtrack point (the last '*'): linear in practice, O(n*m) at worst, no
// recursion. An escaped character is compared literally.
bool match_segment(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0;
  size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
      char want = escaped ? pattern[p + 1] : pattern[p];
      if ((!escaped && want == '?') || want == name[n]) {
        p += escaped ? 2 : 1;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;  // let the last '*' swallow one more character
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty() && seg != ".") out.push_back(seg);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
  }
  return out;
}

}  // namespace

Glob::Glob(std::string_view pattern) : pattern_(pattern) {
  for (std::string_view seg : split(pattern)) segments_.emplace_back(seg);
}

// Epsilon moves: a non-trailing ** may match zero segments.
void Glob::close(std::vector<char>& states) const {
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (states[i] && segments_[i] == "**" && !trailing_globstar(i)) states[i + 1] = 1;
  }
}

std::vector<char> Glob::run(std::string_view path) const {
  const size_t n = segments_.size();
  std::vector<char> states(n + 1, 0), next(n + 1, 0);
  states[0] = 1;
  close(states);
  for (std::string_view name : split(path)) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (!states[i]) continue;
      if (segments_[i] == "**") {
        next[i] = 1;                            // consume and stay
        if (trailing_globstar(i)) next[n] = 1;  // ... having consumed at least one
        any = true;
      } else if (match_segment(segments_[i], name)) {
        next[i + 1] = 1;
        any = true;
      }
    }
    close(next);
    states.swap(next);
    if (!any) break;  // dead: nothing below can match either
  }
  return states;
}

bool Glob::matches(std::string_view path) const { return !segments_.empty() && run(path).back(); }

bool Glob::matches_all_below(std::string_view dir) const {
  if (segments_.empty()) return false;
  std::vector<char> s = run(dir);
  return s.back() || (s[segments_.size() - 1] && trailing_globstar(segments_.size() - 1));
}

bool Glob::may_match_below(std::string_view dir) const {
  std::vector<char> s = run(dir);
  for (size_t i = 0; i < segments_.size(); ++i)
    if (s[i]) return true;
  return false;
}

}  // namespace zccache::fp
