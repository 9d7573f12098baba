// The PATH search for a compiler named without a '/' (`zccache gcc ...`, or a masquerade symlink
// named gcc): the first regular, executable `dir/name` over PATH's entries, skipping zccache
// itself. One implementation for both sides: the client searches when it has no daemon, the
// daemon for every request that leaves the search to it (protocol CompileRequest::path_search),
// with its inotify-fed directory listings answering "nothing there" without a system call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace zccache::os {

// A file's identity, for recognising zccache's own binary behind another name.
struct FileId {
  uint64_t dev = 0;
  uint64_t ino = 0;
};

// The search path when PATH is unset.
inline constexpr const char* kDefaultSearchPath = "/usr/local/bin:/usr/bin:/bin";

// The absolute path of the first candidate, or empty. An empty or relative PATH entry is taken
// from `cwd`. `may_exist`, when given, is asked first for each candidate: false means nothing is
// at that path, so no stat is needed (it must never say false for a path that exists).
std::string find_in_path(const std::string& name, std::string_view path, const std::string& cwd,
                         std::optional<FileId> skip, const std::function<bool(const std::string&)>& may_exist = {});

// "dev:ino", and back (nullopt for anything else).
std::string format_file_id(const FileId& id);
std::optional<FileId> parse_file_id(std::string_view text);

}  // namespace zccache::os
