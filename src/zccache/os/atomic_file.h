// AtomicFile: write a file under a temporary name in the target's directory, then commit() renames
// it over the target; destruction without commit() removes the temporary. A reader never sees a
// half-written file, and a process killed mid-write leaves only a temporary (named
// ".<name>.tmp.XXXXXX") that nothing serves.
// Nothing is fsynced (see commit_as in atomic_file.cc for why that is enough for the cache).
// Not thread-safe: one owner at a time; distinct AtomicFiles may be used from any threads.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/base/unique_fd.h"

namespace zccache::os {

class AtomicFile {
 public:
  // Creates the temporary beside `path` with `mode` (subject to the process umask unless
  // set_mode is used).
  static Result<AtomicFile> create(const std::string& path, mode_t mode = 0644);
  AtomicFile(AtomicFile&&) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  Status write(std::string_view data);
  // fchmod the temporary to exactly `mode`.
  Status set_mode(mode_t mode);
  // The temporary's descriptor, for writers that stream into it (-1 after commit).
  int fd() const { return fd_.get(); }
  // Closes and renames the temporary over the target. REQUIRES: not committed. On failure the
  // temporary stays owned and is removed by the destructor.
  Status commit();
  // As commit(), but renames to `path` instead, which must be on the same filesystem as the
  // target given to create() (used when the final name is known only after writing, e.g. a
  // content hash). REQUIRES: not committed.
  Status commit_as(const std::string& path);

 private:
  AtomicFile(std::string path, std::string tmp_path, UniqueFd fd);
  std::string path_;
  std::string tmp_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

// Writes `data` to `path` atomically.
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);

}  // namespace zccache::os
