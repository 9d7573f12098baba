// rustc's dep-info file (`--emit=dep-info`): Make rules naming every source file the crate read
// (modules, include!/include_str!/include_bytes! files), then one comment per environment
// variable read through env!/option_env!:
//   # env-dep:NAME=VALUE   (VALUE escaped: \n, \r and \\)
//   # env-dep:NAME         (unset when compiled)
// Paths are written as rustc was given them (relative to its cwd or absolute), spaces escaped "\ ".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools::rustc {

struct EnvDep {
  std::string name;
  std::optional<std::string> value;  // nullopt: unset (which differs from empty)
  bool operator==(const EnvDep&) const = default;
};

struct DepInfo {
  std::vector<std::string> files;  // every prerequisite of any rule, first-seen order, once each
  std::vector<EnvDep> env;
};

// nullopt when the text is not a dep-info file (no rule at all, or a malformed line).
std::optional<DepInfo> parse_dep_info(std::string_view text);

// Every occurrence of `dir` followed by '/' replaced by `with` (and the '/'): how the out-dir in
// a stored dep-info file or JSON artifact notice is swapped for a placeholder and back.
std::string replace_dir(std::string_view text, std::string_view dir, std::string_view with);

}  // namespace zccache::tools::rustc
