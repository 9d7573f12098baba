// Where exec would find a program for a request: a name with a '/' as it is, else the first
// executable in the request's PATH (/usr/bin:/bin without one); resolved to its real path, or ""
// when not found. Used to key the programs a tool runs by content.
#pragma once

#include <string>
#include <vector>

namespace zccache::daemon {

// env: the request's "NAME=VALUE" strings.
std::string resolve_program(const std::string& name, const std::vector<std::string>& env);

}  // namespace zccache::daemon
