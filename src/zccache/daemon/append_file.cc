#include "zccache/daemon/append_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "zccache/base/posix_error.h"

namespace zccache::daemon {

AppendFile::AppendFile(std::string path, uint64_t max_bytes, int keep, mode_t mode)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep), mode_(mode) {}

Status AppendFile::open() {
  if (fd_.valid()) return {};
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return posix_error("open", path_);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return posix_error("fstat", path_);
  // The daemon runs with umask 077; a file it creates gets the mode asked for.
  if (st.st_size == 0) (void)::fchmod(fd.get(), mode_);
  size_ = static_cast<uint64_t>(st.st_size);
  fd_ = std::move(fd);
  return {};
}

void AppendFile::rotate() {
  fd_.reset();
  if (keep_ <= 0) {
    ::unlink(path_.c_str());
  } else {
    for (int i = keep_ - 1; i >= 1; --i) {
      (void)std::rename((path_ + "." + std::to_string(i)).c_str(), (path_ + "." + std::to_string(i + 1)).c_str());
    }
    (void)std::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  size_ = 0;
}

Status AppendFile::append(std::string_view lines) {
  while (!lines.empty()) {
    // Opening finds an existing file's size (a restarted daemon may find it full).
    if (!fd_.valid()) ZCCACHE_TRY(open());
    std::string_view chunk = lines;
    if (max_bytes_ > 0 && size_ + lines.size() > max_bytes_) {
      // The whole lines that still fit in this file; when none does, a new file, where a line
      // longer than the limit is written alone.
      uint64_t room = max_bytes_ > size_ ? max_bytes_ - size_ : 0;
      size_t end = room == 0 ? std::string_view::npos : lines.rfind('\n', static_cast<size_t>(room - 1));
      if (end == std::string_view::npos) {
        if (size_ > 0) {
          rotate();
          continue;
        }
        end = lines.find('\n');
        if (end == std::string_view::npos) end = lines.size() - 1;
      }
      chunk = lines.substr(0, end + 1);
    }
    size_t done = 0;
    while (done < chunk.size()) {
      ssize_t n = ::write(fd_.get(), chunk.data() + done, chunk.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return posix_error("write", path_);
      }
      done += static_cast<size_t>(n);
    }
    size_ += chunk.size();
    lines.remove_prefix(chunk.size());
  }
  return {};
}

}  // namespace zccache::daemon
