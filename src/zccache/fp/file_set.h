// FileSet: the regular files below a root that the --include / --exclude globs select, with their
// stat facts, found by one directory walk.
//
// Selection: a file is taken when no include is given or an include matches it or one of its
// directories (`--include proto` takes everything below proto/), and no exclude matches it or one
// of its directories. Directories that no include can reach, or that an exclude covers entirely,
// are not opened. Symlinks to regular files are taken (with the target's facts); symlinks to
// directories are not followed (no cycles). The root itself may be a symlink.
// Two walks apply these rules: scan_files() below (zccache-fp alone, one readdir and one stat per
// entry) and the daemon's (daemon/fingerprint_handler.h, from its watched directory listings).
// Both ask FileSelection, so they cannot disagree on what is taken.
// Pure functions of the file system; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/fp/glob.h"
#include "zccache/hash/digest.h"
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
  // The content digest when someone who read the file under exactly `info` supplied it (the
  // daemon); empty: fingerprint() reuses a recorded digest or reads the file.
  std::optional<hash::Digest> digest;
};

// The selection rules above, for a walk that goes top-down and passes each entry's relative path
// ('/'-separated, no leading "./"). `included`: an include covers the whole directory the entry
// lies in (true at the root when there is no include).
class FileSelection {
 public:
  explicit FileSelection(const FileSetSpec& spec) : spec_(spec) {}

  bool root_included() const { return spec_.includes.empty(); }
  // A directory that is not a symlink: nullopt to skip it, else whether an include covers all of it.
  std::optional<bool> enter_dir(const std::string& path, bool included) const;
  // A regular file (or a symlink to one).
  bool takes_file(const std::string& path, bool included) const;

 private:
  bool matches(const std::vector<Glob>& globs, const std::string& path) const;

  const FileSetSpec& spec_;
};

// Sorted by path. Errors: the root is missing or not a directory, a directory cannot be read.
// A file that disappears during the walk is left out.
Result<std::vector<ScannedFile>> scan_files(const FileSetSpec& spec);

}  // namespace zccache::fp
