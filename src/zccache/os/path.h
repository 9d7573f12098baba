// Lexical path helpers on std::string (no std::filesystem on the client's hot path).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zccache::os {

bool is_absolute(std::string_view path);
// `path` if absolute, else cwd + "/" + path (no normalisation: ".." is kept, as compilers keep it).
std::string absolute_from(std::string_view cwd, std::string_view path);
std::string_view dirname_of(std::string_view path);   // "a/b" -> "a", "b" -> ".", "/b" -> "/"
std::string_view basename_of(std::string_view path);  // "a/b.c" -> "b.c"
std::string join_path(std::string_view dir, std::string_view name);
// The real path (symlinks resolved), or empty when it cannot be resolved.
std::string real_path(const std::string& path);
// real_path() of an absolute `path`, resolved one component at a time, adding to `link_dirs` the
// (resolved) directory holding each symbolic link it follows. Re-pointing any of those links is
// a change in one of those directories; together with the result's own directory they are what
// the answer depends on. Empty when `path` is relative or cannot be resolved.
std::string real_path_traced(const std::string& path, std::vector<std::string>* link_dirs);

}  // namespace zccache::os
