// File facts from stat(2), and small whole-file helpers. The only place that calls stat/open for
// reading on behalf of the daemon's logic.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "zccache/base/result.h"

namespace zccache::os {

struct FileInfo {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint32_t mode = 0;
  uint64_t nlink = 0;
  bool is_regular() const;
  bool is_dir() const;
  bool operator==(const FileInfo&) const = default;
};

// stat(2) (follows symlinks). kNotFound when the path does not exist.
Result<FileInfo> stat_path(const std::string& path);
// lstat(2): does not follow a final symlink.
Result<FileInfo> lstat_path(const std::string& path);
Result<std::string> read_file(const std::string& path);
// mkdir -p with `mode` for created directories.
Status make_dirs(const std::string& path, mode_t mode);
int64_t now_realtime_ns();

}  // namespace zccache::os
