#include "zccache/os/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <utility>

#include "zccache/base/posix_error.h"

namespace zccache::os {
namespace {

constexpr int kMaxCreateAttempts = 100;
constexpr char kTempAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// Replaces the trailing "XXXXXX" of `tmp` with random characters, as mkostemp does.
void fill_random_suffix(std::string& tmp) {
  unsigned char random[6];
  ssize_t got = ::getrandom(random, sizeof(random), GRND_NONBLOCK);
  if (got != static_cast<ssize_t>(sizeof(random))) {
    // No entropy yet (early boot): mix the pid and the address of a stack byte; O_EXCL keeps it safe.
    uint64_t mix = static_cast<uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ull ^
                   reinterpret_cast<uintptr_t>(&got) ^ static_cast<uint64_t>(::clock());
    for (auto& r : random) r = static_cast<unsigned char>(mix >>= 7);
  }
  for (size_t i = 0; i < sizeof(random); ++i) {
    tmp[tmp.size() - sizeof(random) + i] = kTempAlphabet[random[i] % (sizeof(kTempAlphabet) - 1)];
  }
}

Error write_error(const std::string& tmp_path, int err) {
  Error e = posix_error("write", tmp_path, err);
  if (err == ENOSPC || err == EDQUOT) e.message += " (the disk holding the cache is full)";
  return e;
}

}  // namespace

// The temporary is created with open(O_CREAT | O_EXCL) on a mkostemp-style name rather than with
// mkostemp itself: mkostemp always uses mode 0600, and recovering the umask to honour `mode` is not
// thread-safe (umask() both reads and sets it). O_EXCL gives the same uniqueness guarantee.
Result<AtomicFile> AtomicFile::create(const std::string& path, mode_t mode) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    return make_error(ErrorCode::kInvalid, "atomic write: not a file path: " + path);
  }
  std::string tmp = dir + "." + name + ".tmp.XXXXXX";
  for (int attempt = 0; attempt < kMaxCreateAttempts; ++attempt) {
    fill_random_suffix(tmp);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) return AtomicFile(path, std::move(tmp), UniqueFd(fd));
    if (errno == EINTR || errno == EEXIST) continue;
    return posix_error("create temporary", tmp);
  }
  return make_error(ErrorCode::kIo, "create temporary " + tmp + ": too many name collisions");
}

AtomicFile::AtomicFile(std::string path, std::string tmp_path, UniqueFd fd)
    : path_(std::move(path)), tmp_path_(std::move(tmp_path)), fd_(std::move(fd)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_path_(std::exchange(other.tmp_path_, std::string())),
      fd_(std::move(other.fd_)),
      committed_(other.committed_) {}

AtomicFile::~AtomicFile() {
  if (committed_ || tmp_path_.empty()) return;
  fd_.reset();
  ::unlink(tmp_path_.c_str());
}

Status AtomicFile::write(std::string_view data) {
  assert(!committed_ && fd_.valid());
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return write_error(tmp_path_, errno);
    }
    if (n == 0) return write_error(tmp_path_, ENOSPC);  // a regular file only stalls when full
    p += n;
    left -= static_cast<size_t>(n);
  }
  return {};
}

Status AtomicFile::set_mode(mode_t mode) {
  assert(!committed_ && fd_.valid());
  if (::fchmod(fd_.get(), mode) != 0) return posix_error("chmod", tmp_path_);
  return {};
}

Status AtomicFile::commit() { return commit_as(path_); }

// No fsync before the rename, on purpose: it would cost milliseconds per artifact. Our crash model
// is a killed daemon, after which the page cache still holds every byte written, so the rename
// alone makes the file complete. After a power loss the file may be empty or partial; artifacts
// are verified against their content hash on every read, and the daemon commits an index entry
// only after the renames of the blobs it references, so the worst case is a miss, never wrong bytes.
Status AtomicFile::commit_as(const std::string& path) {
  assert(!committed_);
  // close() is where NFS reports deferred write errors, so check it before publishing the file.
  int fd = fd_.release();
  if (::close(fd) != 0 && errno != EINTR) return write_error(tmp_path_, errno);
  if (::rename(tmp_path_.c_str(), path.c_str()) != 0) {
    return posix_error("rename " + tmp_path_ + " to", path);
  }
  committed_ = true;
  path_ = path;
  return {};
}

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
  auto file = AtomicFile::create(path, mode);
  if (!file) return file.error();
  ZCCACHE_TRY(file->write(data));
  return file->commit();
}

}  // namespace zccache::os
