// FileSet: the regular files below a root that the --include / --exclude globs select, with their
// stat facts, found by one directory walk.
//
// Selection: a file is taken when no include is given or an include matches it or one of its
// directories (`--include proto` takes everything below proto/), and no exclude matches it or one
// of its directories. Directories that no include can reach, or that an exclude covers entirely,
// are not opened. Symlinks to regular files are taken (with the target's facts); symlinks to
// directories are not followed (no cycles). The root itself may be a symlink.
// Pure function of the file system; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/fp/glob.h"
#include "zccache/os/file_info.h"

namespace zccache::fp {

struct FileSetSpec {
  std::string root;  // absolute
  std::vector<Glob> includes;
  std::vector<Glob> excludes;
  // Relative paths never taken (the cache file and its temporaries when they lie below root).
  std::string skip_file;          // exact relative path, or empty
  std::string skip_temp_prefix;   // relative path prefix, or empty
};

struct ScannedFile {
  std::string path;  // relative to the root
  os::FileInfo info;
};

// Sorted by path. Errors: the root is missing or not a directory, a directory cannot be read.
// A file that disappears during the walk is left out.
Result<std::vector<ScannedFile>> scan_files(const FileSetSpec& spec);

}  // namespace zccache::fp
