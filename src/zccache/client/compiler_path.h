// Finding the real compiler: `zccache gcc ...`, `zccache /usr/bin/gcc ...`, or a masquerade
// symlink named gcc that points at zccache (then the next gcc in PATH that is not zccache).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "zccache/os/program_search.h"

namespace zccache::client {

// True when argv[0]'s name says we run as ourselves rather than as a masquerade symlink.
bool invoked_as_zccache(std::string_view argv0);
// An absolute path to run for `name`: names with a '/' are made absolute against cwd; bare names
// are searched in PATH, skipping every entry that is this zccache binary. Empty when not found.
std::string resolve_compiler(const std::string& name, const std::string& cwd);
// The identity a PATH search skips: the front's when it handed over (client/handoff.h), else
// this binary's (/proc/self/exe).
std::optional<os::FileId> self_id();

}  // namespace zccache::client
