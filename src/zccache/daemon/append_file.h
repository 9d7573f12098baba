// AppendFile: a text file that whole lines are appended to, rotated by size: when an append would
// take it past max_bytes, path.N-1 becomes path.N (the oldest, path.<keep>, is overwritten), ...,
// path becomes path.1, and a new path starts. So at most keep + 1 files of about max_bytes each
// exist. A batch of several lines is split between files at line boundaries (the journal thread
// writes whatever queued while it was busy in one batch, which under load can be larger than
// max_bytes); a line is never split, so only a single line longer than max_bytes makes a file
// larger than that.
//
// Not thread-safe: one writer (the journal thread) owns each open file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/base/unique_fd.h"

namespace zccache::daemon {

class AppendFile {
 public:
  // max_bytes 0: never rotated. `mode`: for a file this creates.
  AppendFile(std::string path, uint64_t max_bytes, int keep, mode_t mode);

  // Opens (creating) the file for appending; append() opens it too, this reports errors early.
  Status open();
  // `lines`: whole lines, each ending in '\n'. Rotates first when needed.
  Status append(std::string_view lines);
  const std::string& path() const { return path_; }

 private:
  void rotate();

  const std::string path_;
  const uint64_t max_bytes_;
  const int keep_;
  const mode_t mode_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

}  // namespace zccache::daemon
