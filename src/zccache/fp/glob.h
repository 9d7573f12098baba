// Glob: a path pattern relative to a root, matched segment by segment ('/' separates segments).
//   *    any run of characters within one segment (leading dots included: no hidden-file rule)
//   ?    one character within a segment
//   **   as a whole segment: any number of segments (zero or more; a trailing `dir/**` means
//        everything below dir, at least one segment)
//   \c   the character c literally
// Patterns are anchored at the root: `*.c` matches only top-level files, `**/*.c` any depth.
// Leading "./" and "/", repeated and trailing slashes are ignored. Paths given to the matchers are
// relative, '/'-separated, without "." or ".." segments ("" is the root itself).
// Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zccache::fp {

// `name` (one segment) against `pattern` (one segment, with * ? and \ escapes).
bool match_segment(std::string_view pattern, std::string_view name);

class Glob {
 public:
  explicit Glob(std::string_view pattern);

  bool matches(std::string_view path) const;
  // Every path strictly below `dir` matches (the pattern matches dir itself, or a trailing **
  // has been reached): lets a walk include or exclude a whole directory without looking inside.
  bool matches_all_below(std::string_view dir) const;
  // Some path strictly below `dir` could match: a walk may skip dir when this is false.
  bool may_match_below(std::string_view dir) const;

  const std::string& pattern() const { return pattern_; }

 private:
  // The pattern positions reachable after consuming `path`'s segments (size segments_ + 1).
  std::vector<char> run(std::string_view path) const;
  void close(std::vector<char>& states) const;
  bool trailing_globstar(size_t i) const { return i + 1 == segments_.size() && segments_[i] == "**"; }

  std::string pattern_;
  std::vector<std::string> segments_;
};

}  // namespace zccache::fp
