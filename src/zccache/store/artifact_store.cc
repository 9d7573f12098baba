#include "zccache/store/artifact_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "zccache/base/posix_error.h"
#include "zccache/base/unique_fd.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/atomic_file.h"
#include "zccache/os/file_info.h"

namespace zccache::store {

using os::AtomicFile;
using os::write_file_atomic;

namespace {

// 128 KiB: large enough that syscall overhead is noise next to XXH3 (~30 GB/s).
constexpr size_t kCopyBufferBytes = 128 * 1024;
constexpr size_t kShardHexChars = 2;
// Inotify watches on linked blobs (blob_watch.h); past this, the oldest blob is re-hashed again
// when its signature moves.
constexpr size_t kMaxBlobWatches = 8192;

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
using UniqueDir = std::unique_ptr<DIR, DirCloser>;

bool is_shard_name(const char* name) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return std::strlen(name) == kShardHexChars && hex(name[0]) && hex(name[1]);
}

bool is_temp_name(const char* name) { return name[0] == '.' && std::strstr(name, ".tmp.") != nullptr; }

// One per thread, allocated once and never zeroed. A zeroed vector per call was, at glibc's
// 128 KiB mmap threshold, an mmap, 32 page faults and an munmap on every hit that re-verifies a
// blob: 50 of the 65 µs a warm hit spent delivering its object (measured in the daemon).
char* copy_buffer() {
  thread_local const std::unique_ptr<char[]> buf = std::make_unique_for_overwrite<char[]>(kCopyBufferBytes);
  return buf.get();
}

// Reads `in` to its end, feeding every byte to `hasher` and, when `out` is set, writing it there.
// The digest is of the bytes read, which are exactly the bytes written.
Status copy_and_hash(int in, const std::string& in_path, AtomicFile* out, hash::Hasher& hasher,
                     uint64_t* size) {
  char* buf = copy_buffer();
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(in, buf, kCopyBufferBytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      return posix_error("read", in_path);
    }
    if (n == 0) break;
    hasher.add_raw(buf, static_cast<size_t>(n));
    if (out != nullptr) ZCCACHE_TRY(out->write(std::string_view(buf, static_cast<size_t>(n))));
    total += static_cast<uint64_t>(n);
  }
  if (size != nullptr) *size = total;
  return {};
}

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return {};
  if (errno == ENOENT) return os::make_dirs(path, 0700);
  return posix_error("mkdir", path);
}

}  // namespace

ArtifactStore::ArtifactStore(std::string root, DeliveryMode delivery) : root_(std::move(root)), delivery_(delivery) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  // One watch per blob delivered by a link, the oldest dropped first: inotify watches are a
  // per-user limit (the directory watcher needs its share) and each pins an inode in memory.
  if (delivery_ == DeliveryMode::kReflinkOrLinkOrCopy) watch_ = BlobWatch::create(kMaxBlobWatches);
}

std::string ArtifactStore::path_of(const hash::Digest& blob) const {
  std::string hex = blob.hex();
  std::string path;
  path.reserve(root_.size() + hex.size() + 2);
  path.append(root_).append("/").append(hex, 0, kShardHexChars).append("/").append(hex, kShardHexChars);
  return path;
}

Status ArtifactStore::ensure_shard(const hash::Digest& blob) const {
  std::string hex = blob.hex();
  return make_dir(root_ + "/" + hex.substr(0, kShardHexChars));
}

// The digest is known only once the whole file is read, so the copy goes to a temporary in the
// root and is renamed into its shard afterwards: one read of the source instead of two.
Result<hash::Digest> ArtifactStore::put_file(const std::string& src_path, uint64_t* size) {
  UniqueFd in(::open(src_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return posix_error("open", src_path);
  ZCCACHE_TRY(make_dir(root_));
  auto tmp = AtomicFile::create(root_ + "/put", 0644);
  if (!tmp) return tmp.error();
  hash::Hasher hasher;
  uint64_t copied = 0;
  ZCCACHE_TRY(copy_and_hash(in.get(), src_path, &*tmp, hasher, &copied));
  hash::Digest digest = hasher.finish();
  if (size != nullptr) *size = copied;
  pin(digest);  // before contains(): see the header
  if (contains(digest)) return digest;  // same bytes already stored; the temporary is dropped
  ZCCACHE_TRY(ensure_shard(digest));
  ZCCACHE_TRY(tmp->commit_as(path_of(digest)));
  trust_signature(digest, path_of(digest));  // hashed while copied: these bytes are right
  add_estimate(path_of(digest));
  return digest;
}

Result<hash::Digest> ArtifactStore::put_bytes(std::string_view data) {
  hash::Digest digest = hash::hash_bytes(data);
  pin(digest);
  if (contains(digest)) return digest;
  ZCCACHE_TRY(ensure_shard(digest));
  ZCCACHE_TRY(write_file_atomic(path_of(digest), data, 0644));
  add_estimate(path_of(digest));
  return digest;
}

Status ArtifactStore::corrupt(const hash::Digest& blob, const hash::Digest& actual) {
  remove(blob);
  return make_error(ErrorCode::kCorrupt, "artifact " + path_of(blob) + " is corrupt (its content hashes to " +
                                             actual.hex() + "); removed it");
}

Status ArtifactStore::deliver(const hash::Digest& blob, const std::string& dest_path, mode_t mode) {
  if (delivery_ == DeliveryMode::kReflinkOrLinkOrCopy) {
    Status linked = deliver_linked(blob, dest_path, mode);
    if (linked.ok() || linked.error().code == ErrorCode::kCorrupt || linked.error().code == ErrorCode::kNotFound)
      return linked;
  }
  return deliver_copy(blob, dest_path, mode);
}

bool ArtifactStore::unwritten_since_trusted(const hash::Digest& blob, const os::FileInfo& info) {
  if (!watch_ || !watch_->unwritten(blob)) return false;
  std::lock_guard lock(mutex_);
  auto it = trusted_.find(blob);
  return it != trusted_.end() && it->second.dev == info.dev && it->second.ino == info.ino &&
         it->second.size == info.size && it->second.mtime_ns == info.mtime_ns;
}

void ArtifactStore::watch_known(const hash::Digest& blob, const std::string& blob_path, const os::FileInfo& known) {
  if (!watch_ || !watch_->watch(blob, blob_path)) return;
  auto now = os::stat_path(blob_path);
  if (!now.ok() || !(*now == known)) watch_->forget(blob);
}

bool ArtifactStore::signature_trusted(const hash::Digest& blob, const os::FileInfo& info) {
  std::lock_guard lock(mutex_);
  auto it = trusted_.find(blob);
  return it != trusted_.end() && it->second == info;
}

void ArtifactStore::trust_signature(const hash::Digest& blob, const std::string& blob_path) {
  trust_signature(blob, os::stat_path(blob_path));
}

void ArtifactStore::trust_signature(const hash::Digest& blob, const Result<os::FileInfo>& info) {
  std::lock_guard lock(mutex_);
  if (info.ok()) {
    trusted_[blob] = *info;
  } else {
    trusted_.erase(blob);
  }
}

Status ArtifactStore::deliver_linked(const hash::Digest& blob, const std::string& dest_path, mode_t mode) {
  std::string blob_path = path_of(blob);
  auto before = os::stat_path(blob_path);
  if (!before.ok()) return before.error();
  const bool trusted = signature_trusted(blob, *before);
  if (!trusted && !unwritten_since_trusted(blob, *before)) {
    // Someone wrote to the inode (through a hardlinked output) or we never looked: hash it.
    verifications_.fetch_add(1, std::memory_order_relaxed);
    UniqueFd in(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return posix_error("open artifact", blob_path);
    hash::Hasher hasher;
    ZCCACHE_TRY(copy_and_hash(in.get(), blob_path, nullptr, hasher, nullptr));
    hash::Digest actual = hasher.finish();
    if (actual != blob) return corrupt(blob, actual);
    watch_known(blob, blob_path, *before);
  } else if (trusted && watch_ && !watch_->unwritten(blob)) {
    watch_known(blob, blob_path, *before);  // its first link: from now on, a write is an event
  }
  // The temporary lives in the store's root, not beside the output: a daemon killed between the
  // link and the rename leaves it where remove_temporaries() finds it, never a stray file in the
  // user's tree (found by tests/stress/kill.py). The root is on the blob's filesystem, which a
  // link or reflink needs anyway; an output on another one fails at rename() and is copied.
  // Named only when needed: the direct link below takes none.
  std::string tmp;
  auto name_temporary = [&] {
    static std::atomic<uint64_t> counter{0};
    if (tmp.empty()) tmp = root_ + "/.link.tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    return tmp.c_str();
  };
  // A reflink gives the output its own blocks (copy-on-write): nothing the user does to it can
  // reach the cache. Filesystems without it (ext4) answer EOPNOTSUPP/EXDEV/EINVAL at once.
  bool own_inode = false;
  if (may_reflink_.load(std::memory_order_relaxed)) {
    UniqueFd in(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
    UniqueFd out(::open(name_temporary(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (in.valid() && out.valid() && ::ioctl(out.get(), FICLONE, in.get()) == 0) {
      own_inode = true;
    } else if (out.valid()) {
      if (in.valid() && (errno == EOPNOTSUPP || errno == EINVAL || errno == ENOTTY)) {
        may_reflink_.store(false, std::memory_order_relaxed);
      }
      ::unlink(tmp.c_str());
    }
  }
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  if (!own_inode) {
    // The output's mode becomes the blob's: a world-writable output (umask 0) gets a copy, so
    // that nothing in the store is writable by everyone.
    if ((mode & S_IWOTH) != 0) return make_error(ErrorCode::kIo, "world-writable output: copy");
    if (before->nlink == 1) {
      // No output links the blob (the usual hit after a clean): link it straight to the output
      // name, which link() never replaces (EEXIST for anything there, a device or a symlink
      // too). The blob takes the output's mode and a current mtime first, so the output never
      // shows old ones, and a daemon killed on the way leaves no file anywhere. Four system
      // calls fewer than the temporary and rename() below, and no second directory locked.
      bool ready = ((before->mode & 07777) == mode || ::chmod(blob_path.c_str(), mode) == 0) &&
                   ::utimensat(AT_FDCWD, blob_path.c_str(), now, 0) == 0;
      if (ready && ::link(blob_path.c_str(), dest_path.c_str()) == 0) {
        trust_signature(blob, blob_path);  // our chmod/utimensat moved its ctime
        return {};
      }
      const int err = errno;
      before = os::stat_path(blob_path);  // with our own mtime, for the check after the link below
      trust_signature(blob, before);
      // EEXIST: an output is there, replaced atomically below. EXDEV, EPERM, ...: the caller copies.
      if (!ready || err != EEXIST) return posix_error("link", dest_path, err);
      if (!before.ok()) return before.error();
    }
    // One output per blob at a time: a fresh mtime set through one link would show on every other
    // output sharing the inode (another checkout's a.o would look newer than its sources).
    // Linking again over the output that already is the blob's one link is fine.
    bool shared_elsewhere = before->nlink > 2;
    if (before->nlink == 2) {
      auto current = os::lstat_path(dest_path);
      // The output already is the blob's other link, untouched since we looked at the blob (a hit
      // after `touch header.h`, or after switching branches and back): a current mtime is all it
      // needs. Three system calls fewer than the temporary's link, stat, rename and unlink, and no
      // directory locked. A write through the output after this check is one after the delivery.
      if (current.ok() && current->is_regular() && current->ino == before->ino && current->dev == before->dev &&
          current->size == before->size && current->mtime_ns == before->mtime_ns &&
          current->ctime_ns == before->ctime_ns) {
        if (((before->mode & 07777) == mode || ::chmod(blob_path.c_str(), mode) == 0) &&
            ::utimensat(AT_FDCWD, blob_path.c_str(), now, 0) == 0) {
          trust_signature(blob, blob_path);  // our chmod/utimensat moved its ctime
          return {};
        }
        trust_signature(blob, blob_path);
        return posix_error("deliver", dest_path);  // the caller copies
      }
      if (current.ok() && !current->is_regular()) current = os::stat_path(dest_path);  // a symlink: its target
      shared_elsewhere = !current.ok() || current->ino != before->ino || current->dev != before->dev;
    }
    if (shared_elsewhere) return make_error(ErrorCode::kIo, "artifact already linked elsewhere: copy");
    if (::link(blob_path.c_str(), name_temporary()) != 0) {
      return posix_error("link", tmp);  // EXDEV, EMLINK, EPERM: the caller copies
    }
  }
  // The blob must be the one we verified: a write between the check and the link moved its mtime.
  auto linked = os::stat_path(tmp);
  if (!linked.ok() || linked->size != before->size || (!own_inode && linked->mtime_ns != before->mtime_ns)) {
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIo, "artifact changed while linking: " + blob_path);
  }
  if (((linked->mode & 07777) != mode && ::chmod(tmp.c_str(), mode) != 0) ||
      ::utimensat(AT_FDCWD, tmp.c_str(), now, 0) != 0 ||
      ::rename(tmp.c_str(), dest_path.c_str()) != 0) {
    Error e = posix_error("deliver", dest_path);  // EXDEV: another filesystem, the caller copies
    ::unlink(tmp.c_str());
    if (!own_inode) trust_signature(blob, blob_path);  // our chmod/utimensat moved its ctime
    return e;
  }
  // When dest already was a link to this blob, rename() succeeds without doing anything (POSIX:
  // two links to one inode), leaving the temporary behind.
  ::unlink(tmp.c_str());
  if (!own_inode) trust_signature(blob, blob_path);  // our chmod/utimensat moved its ctime
  return {};
}

// Plain copy, verified on the way. The temporary goes to the store's root when the output is on
// the same filesystem (as for links: a killed daemon leaves nothing in the user's tree), else
// beside the output, where a killed daemon can leave a ".<name>.tmp.XXXXXX" behind.
Status ArtifactStore::deliver_copy(const hash::Digest& blob, const std::string& dest_path, mode_t mode) {
  std::string blob_path = path_of(blob);
  UniqueFd in(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return posix_error("open artifact", blob_path);
  size_t slash = dest_path.rfind('/');
  std::string dest_dir = slash == std::string::npos ? "." : slash == 0 ? "/" : dest_path.substr(0, slash);
  struct stat root_st, dest_st;
  bool same_fs = ::stat(root_.c_str(), &root_st) == 0 && ::stat(dest_dir.c_str(), &dest_st) == 0 &&
                 root_st.st_dev == dest_st.st_dev;
  auto out = AtomicFile::create(same_fs ? root_ + "/copy" : dest_path, 0600);
  if (!out) return out.error();
  hash::Hasher hasher;
  ZCCACHE_TRY(copy_and_hash(in.get(), blob_path, &*out, hasher, nullptr));
  hash::Digest actual = hasher.finish();
  if (actual != blob) return corrupt(blob, actual);  // `out` unlinks its temporary
  ZCCACHE_TRY(out->set_mode(mode));
  return same_fs ? out->commit_as(dest_path) : out->commit();
}

Result<std::string> ArtifactStore::read(const hash::Digest& blob) {
  std::string blob_path = path_of(blob);
  UniqueFd in(::open(blob_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return posix_error("open artifact", blob_path);
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return posix_error("stat", blob_path);
  std::string data;
  data.reserve(static_cast<size_t>(st.st_size));
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return posix_error("read", blob_path);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  hash::Digest actual = hash::hash_bytes(data);
  if (actual != blob) return corrupt(blob, actual).error();
  return data;
}

bool ArtifactStore::contains(const hash::Digest& blob) const {
  return ::access(path_of(blob).c_str(), F_OK) == 0;
}

namespace {

uint64_t allocated_bytes(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

}  // namespace

void ArtifactStore::pin(const hash::Digest& blob) {
  int64_t now = os::now_realtime_ns();
  std::lock_guard lock(mutex_);
  Pin& p = pinned_[blob];
  ++p.count;
  p.last_ns = now;
}

void ArtifactStore::unpin(const hash::Digest& blob) {
  std::lock_guard lock(mutex_);
  auto it = pinned_.find(blob);
  if (it != pinned_.end() && --it->second.count <= 0) pinned_.erase(it);
}

void ArtifactStore::add_estimate(const std::string& blob_path) {
  estimate_bytes_.fetch_add(allocated_bytes(blob_path), std::memory_order_relaxed);
}

void ArtifactStore::remove(const hash::Digest& blob) {
  std::string path = path_of(blob);
  uint64_t bytes = allocated_bytes(path);
  if (::unlink(path.c_str()) == 0) estimate_bytes_.fetch_sub(std::min(bytes, size_estimate()), std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  trusted_.erase(blob);
  if (watch_) watch_->forget(blob);
}

uint64_t ArtifactStore::remove_unless_pinned(const hash::Digest& blob, int64_t pinned_since_ns) {
  std::string path = path_of(blob);
  std::lock_guard lock(mutex_);
  if (auto it = pinned_.find(blob); it != pinned_.end() && it->second.last_ns >= pinned_since_ns) return 0;
  uint64_t bytes = allocated_bytes(path);
  if (::unlink(path.c_str()) != 0) return 0;
  trusted_.erase(blob);
  if (watch_) watch_->forget(blob);
  estimate_bytes_.fetch_sub(std::min(bytes, size_estimate()), std::memory_order_relaxed);
  return bytes;
}

void ArtifactStore::prune_pins(int64_t before_ns) {
  std::lock_guard lock(mutex_);
  std::erase_if(pinned_, [&](const auto& p) { return p.second.last_ns < before_ns; });
}

std::vector<ArtifactStore::BlobInfo> ArtifactStore::list_blobs() {
  std::vector<BlobInfo> blobs;
  uint64_t total = 0;
  UniqueDir root(::opendir(root_.c_str()));
  if (!root) {
    estimate_bytes_ = 0;
    return blobs;
  }
  int root_fd = ::dirfd(root.get());
  while (dirent* e = ::readdir(root.get())) {
    if (!is_shard_name(e->d_name)) continue;
    int shard_fd = ::openat(root_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (shard_fd < 0) continue;
    UniqueDir shard(::fdopendir(shard_fd));
    if (!shard) {
      ::close(shard_fd);
      continue;
    }
    std::string hex(e->d_name);
    while (dirent* b = ::readdir(shard.get())) {
      auto digest = hash::Digest::from_hex(hex + b->d_name);
      struct stat st;
      if (!digest || ::fstatat(shard_fd, b->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
      uint64_t bytes = static_cast<uint64_t>(st.st_blocks) * 512;
      blobs.push_back({*digest, bytes});
      total += bytes;
    }
  }
  estimate_bytes_ = total;
  return blobs;
}

// Removes only what the store itself creates (two-hex shard directories and temporaries), so a
// root pointed at the wrong directory by mistake loses nothing else. Concurrent puts whose
// temporary is removed fail cleanly at their rename.
Status ArtifactStore::clear() {
  {
    std::lock_guard lock(mutex_);
    trusted_.clear();
  }
  if (watch_) watch_->clear();
  estimate_bytes_ = 0;
  UniqueDir root(::opendir(root_.c_str()));
  if (!root) {
    if (errno == ENOENT) return {};
    return posix_error("opendir", root_);
  }
  Status result;
  while (dirent* e = ::readdir(root.get())) {
    std::string path = root_ + "/" + e->d_name;
    if (is_temp_name(e->d_name)) {
      if (::unlink(path.c_str()) != 0 && errno != ENOENT && result.ok()) result = posix_error("unlink", path);
    } else if (is_shard_name(e->d_name)) {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
      if (ec && result.ok()) result = posix_error("remove", path, ec.value());
    }
  }
  return result;
}

// Only names the store itself gives its temporaries, in the root (put, link, copy) and in the
// shards (put_bytes).
Status ArtifactStore::remove_temporaries() {
  UniqueDir root(::opendir(root_.c_str()));
  if (!root) {
    if (errno == ENOENT) return {};
    return posix_error("opendir", root_);
  }
  Status result;
  auto remove_in = [&](DIR* dir, const std::string& dir_path) {
    while (dirent* e = ::readdir(dir)) {
      if (!is_temp_name(e->d_name)) continue;
      std::string path = dir_path + "/" + e->d_name;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT && result.ok()) result = posix_error("unlink", path);
    }
  };
  std::vector<std::string> shards;
  while (dirent* e = ::readdir(root.get())) {
    if (is_shard_name(e->d_name)) shards.push_back(root_ + "/" + e->d_name);
  }
  ::rewinddir(root.get());
  remove_in(root.get(), root_);
  for (const std::string& shard : shards) {
    UniqueDir dir(::opendir(shard.c_str()));
    if (dir) remove_in(dir.get(), shard);
  }
  return result;
}

// Counts allocated blocks (st_blocks * 512), not st_size: what the cache really costs on disk,
// which is what a size limit is about. Includes temporaries in flight. A reflinked delivery later
// would share extents with its blob; that sharing is not discounted here.
uint64_t ArtifactStore::size_bytes() const {
  UniqueDir root(::opendir(root_.c_str()));
  if (!root) return 0;
  uint64_t total = 0;
  int root_fd = ::dirfd(root.get());
  while (dirent* e = ::readdir(root.get())) {
    struct stat st;
    if (is_temp_name(e->d_name)) {
      if (::fstatat(root_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
        total += static_cast<uint64_t>(st.st_blocks) * 512;
      }
      continue;
    }
    if (!is_shard_name(e->d_name)) continue;
    int shard_fd = ::openat(root_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (shard_fd < 0) continue;
    UniqueDir shard(::fdopendir(shard_fd));
    if (!shard) {
      ::close(shard_fd);
      continue;
    }
    while (dirent* b = ::readdir(shard.get())) {
      if (::fstatat(shard_fd, b->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
        total += static_cast<uint64_t>(st.st_blocks) * 512;
      }
    }
  }
  return total;
}

}  // namespace zccache::store
