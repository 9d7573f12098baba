#include "zccache/fp/fingerprint.h"

#include <fcntl.h>

#include <algorithm>
#include <vector>

#include "zccache/base/posix_error.h"
#include "zccache/base/unique_fd.h"
#include "zccache/hash/hasher.h"

namespace zccache::fp {
namespace {

constexpr size_t kReadBufferBytes = 128 * 1024;

// nullopt when the file is gone.
Result<std::optional<hash::Digest>> hash_file(const std::string& path, std::vector<char>& buf) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<hash::Digest>();
    return posix_error("open", path);
  }
  auto digest = hash::hash_stream(fd.get(), path, buf);
  if (!digest.ok()) return digest.error();
  return std::optional<hash::Digest>(*digest);
}

}  // namespace

Result<std::vector<FileRecord>> fingerprint(const std::string& root, const std::vector<ScannedFile>& scanned,
                                            const std::vector<FileRecord>& previous, int64_t scan_start_ns,
                                            ScanStats* stats) {
  std::vector<FileRecord> out;
  out.reserve(scanned.size());
  std::vector<char> buf(kReadBufferBytes);
  auto prev = previous.begin();
  ScanStats local;
  for (const auto& file : scanned) {
    // Both lists are sorted by path: one merge pass.
    while (prev != previous.end() && prev->path < file.path) ++prev;
    const os::FileInfo& st = file.info;
    FileRecord rec{file.path, st.size, st.mtime_ns, st.ctime_ns, st.ino, {}, false};
    const bool settled = std::max(st.mtime_ns, st.ctime_ns) < scan_start_ns - kRacyWindowNs;
    ++local.files;
    if (file.digest) {
      ++local.supplied;
      rec.digest = *file.digest;
      rec.trusted = settled;
    } else if (prev != previous.end() && prev->path == file.path && prev->trusted && prev->size == st.size &&
               prev->mtime_ns == st.mtime_ns && prev->ctime_ns == st.ctime_ns && prev->inode == st.ino) {
      rec.digest = prev->digest;
      rec.trusted = true;
    } else {
      auto digest = hash_file(root + "/" + file.path, buf);
      if (!digest.ok()) return digest.error();
      if (!digest->has_value()) continue;  // deleted since the walk saw it
      ++local.hashed;
      rec.digest = **digest;
      rec.trusted = settled;
    }
    out.push_back(std::move(rec));
  }
  if (stats) *stats = local;
  return out;
}

void RecordsDigest::add(std::string_view path, uint64_t size, int64_t mtime_ns, int64_t ctime_ns, uint64_t inode,
                        const hash::Digest& digest) {
  // Native byte order: both ends run on this host, of the same version (the daemon checks), and
  // the digest is never stored.
  const uint64_t fixed[5] = {path.size(), size, static_cast<uint64_t>(mtime_ns), static_cast<uint64_t>(ctime_ns),
                             inode};
  bytes_.append(reinterpret_cast<const char*>(fixed), sizeof(fixed));
  bytes_.append(path);
  bytes_.append(digest.raw());
}

hash::Digest RecordsDigest::finish() const { return hash::hash_bytes(bytes_); }

hash::Digest records_digest(const std::vector<FileRecord>& records) {
  RecordsDigest d(records.size());
  for (const auto& r : records) d.add(r.path, r.size, r.mtime_ns, r.ctime_ns, r.inode, r.digest);
  return d.finish();
}

std::vector<Change> diff(const std::vector<SuccessFile>& before, const std::vector<FileRecord>& now) {
  std::vector<Change> changes;
  auto b = before.begin();
  auto n = now.begin();
  while (b != before.end() || n != now.end()) {
    if (n == now.end() || (b != before.end() && b->path < n->path)) {
      changes.push_back({ChangeKind::kRemoved, b->path});
      ++b;
    } else if (b == before.end() || n->path < b->path) {
      changes.push_back({ChangeKind::kAdded, n->path});
      ++n;
    } else {
      if (b->digest != n->digest) changes.push_back({ChangeKind::kModified, n->path});
      ++b;
      ++n;
    }
  }
  return changes;
}

const char* change_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded: return "added";
    case ChangeKind::kRemoved: return "removed";
    case ChangeKind::kModified: return "modified";
  }
  return "changed";
}

std::string spec_string(const std::string& root, const std::vector<std::string>& includes,
                        const std::vector<std::string>& excludes) {
  // NUL separators: no glob or path contains one.
  std::string s = "root";
  s.push_back('\0');
  s += root;
  for (const auto& g : includes) {
    s.push_back('\0');
    s += "+" + g;
  }
  for (const auto& g : excludes) {
    s.push_back('\0');
    s += "-" + g;
  }
  return s;
}

}  // namespace zccache::fp
