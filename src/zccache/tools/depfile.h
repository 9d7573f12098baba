// Make-style dependency files as gcc and clang write them (-MD/-MMD/-MF/-MT/-MQ/-MP).
//
// Parsing keeps each name twice: as written (escaped, for re-rendering byte-exact) and unescaped
// (the path to hash). Rendering reproduces each compiler's own line wrapping, so that a cached
// depfile can be delivered for another object name byte-identical to what the bare compiler writes:
// (In the C string notation below, "\\\n" is a backslash and a newline.)
//   gcc 12 (libcpp mkdeps.cc, colmax 72): names joined by ' '; before a name whose escaped length
//          would take the column past 72, a break " \\\n" and the name goes on with its ' ', so
//          continuation lines start with one space. Targets and deps wrap alike. -MP adds
//          "dep:\n" for every dep but the first.
//   clang 14 (DependencyFileGenerator, 75 columns): targets break with " \\\n  " (two spaces) when
//          col + len + 2 > 75; deps break with " \\\n " before the ' ' (so also two spaces) when
//          col + len + 1 + 2 > 75, where len is the UNESCAPED length of the dep. -MP adds
//          "\ndep:\n" (a blank line before each) for every dep but the main input.
// Both escape names the same way (space/tab with the GNU make backslash rule, '$' as `$$`, '#' as
// `\#`), except that clang does not escape tabs in deps. gcc also strips leading "./" from
// every target.
// The daemon verifies at store time that rendering the original target reproduces the compiler's
// bytes, and delivers the stored bytes verbatim whenever the target is unchanged.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/plan.h"

namespace zccache::tools {

struct Depfile {
  std::vector<std::string> targets;      // of the first rule, as written (escaped)
  std::vector<std::string> deps;         // of the first rule, as written (escaped)
  std::vector<std::string> dep_paths;    // deps unescaped: the file names to hash
  bool phony_targets = false;            // -MP rules ("dep:" lines) follow the first rule
  // With phony_targets: the index in deps of the one dep that has no phony rule (the main input).
  // It is 0 except with clang when extra deps come first (-fsanitize=... ignore lists with -MD).
  size_t input_index = 0;
};

// Parses the text; nullopt when it is not a well-formed make rule.
std::optional<Depfile> parse_depfile(std::string_view text);

// One rule of a file that holds several, names unescaped.
struct DependencyRule {
  std::vector<std::string> targets;
  std::vector<std::string> dep_paths;
};

// Every rule, in file order: for the file gcc appends one rule per source to when
// SUNPRO_DEPENDENCIES names it (several sources compiled in one run). nullopt when malformed.
std::optional<std::vector<DependencyRule>> parse_dependency_rules(std::string_view text);

// Renders a depfile as `family`'s compiler writes it.
// targets and deps are escaped (as in Depfile). input_index: see Depfile::input_index; gcc always
// skips deps[0].
std::string render_depfile(Family family, const std::vector<std::string>& targets,
                           const std::vector<std::string>& deps, bool phony_targets,
                           size_t input_index = 0);

// Undoes the make escaping of one name: `a\ b` -> `a b`, `$$` -> `$`, `\#` -> `#`, and 2N+1
// backslashes before a space -> N backslashes and the space.
std::string unescape_depfile_name(std::string_view escaped);

// Escapes a target name as the compiler does for -MT-less default targets and -MQ (make quoting:
// spaces, '$', '#'). For kGcc it first strips leading "./" as gcc's mkdeps does for every target.
std::string quote_target(Family family, std::string_view name);

}  // namespace zccache::tools
