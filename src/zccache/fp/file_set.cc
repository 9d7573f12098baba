#include "zccache/fp/file_set.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "zccache/base/posix_error.h"
#include "zccache/base/unique_fd.h"

namespace zccache::fp {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

os::FileInfo info_of(const struct stat& st) {
  os::FileInfo i;
  i.dev = st.st_dev;
  i.ino = st.st_ino;
  i.size = static_cast<uint64_t>(st.st_size);
  i.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  i.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  i.mode = st.st_mode;
  i.nlink = st.st_nlink;
  return i;
}

class Walker {
 public:
  Walker(const FileSetSpec& spec, std::vector<ScannedFile>& out) : spec_(spec), select_(spec), out_(out) {}

  // `fd` is the open directory `rel` ("" for the root); `included` when an include covers it all.
  Status walk(int fd, const std::string& rel, bool included) {
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd));
    if (!dir) {
      Error e = posix_error("opendir", spec_.root + "/" + rel);
      ::close(fd);
      return e;
    }
    while (dirent* e = ::readdir(dir.get())) {
      std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      std::string path = rel.empty() ? std::string(name) : rel + "/" + std::string(name);
      struct stat st;
      if (::fstatat(::dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
      bool symlink = S_ISLNK(st.st_mode);
      if (symlink && ::fstatat(::dirfd(dir.get()), e->d_name, &st, 0) != 0) continue;  // dangling
      if (S_ISDIR(st.st_mode)) {
        if (symlink) continue;
        std::optional<bool> all = select_.enter_dir(path, included);
        if (!all) continue;
        int sub = ::openat(::dirfd(dir.get()), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (sub < 0) {
          if (errno == ENOENT) continue;
          return posix_error("open", spec_.root + "/" + path);
        }
        ZCCACHE_TRY(walk(sub, path, *all));
      } else if (S_ISREG(st.st_mode)) {
        if (select_.takes_file(path, included)) out_.push_back({std::move(path), info_of(st), std::nullopt});
      }
    }
    return {};
  }

 private:
  const FileSetSpec& spec_;
  FileSelection select_;
  std::vector<ScannedFile>& out_;
};

}  // namespace

bool FileSelection::matches(const std::vector<Glob>& globs, const std::string& path) const {
  return std::any_of(globs.begin(), globs.end(), [&](const Glob& g) { return g.matches(path); });
}

std::optional<bool> FileSelection::enter_dir(const std::string& path, bool included) const {
  auto covers = [&](const Glob& g) { return g.matches_all_below(path); };
  if (std::any_of(spec_.excludes.begin(), spec_.excludes.end(), covers)) return std::nullopt;
  if (included || std::any_of(spec_.includes.begin(), spec_.includes.end(), covers)) return true;
  auto may = [&](const Glob& g) { return g.may_match_below(path); };
  if (!std::any_of(spec_.includes.begin(), spec_.includes.end(), may)) return std::nullopt;
  return false;
}

bool FileSelection::takes_file(const std::string& path, bool included) const {
  if (!spec_.skip_file.empty() && path == spec_.skip_file) return false;
  if (!spec_.skip_temp_prefix.empty() && path.rfind(spec_.skip_temp_prefix, 0) == 0) return false;
  if (matches(spec_.excludes, path)) return false;
  return included || matches(spec_.includes, path);
}

Result<std::vector<ScannedFile>> scan_files(const FileSetSpec& spec) {
  int fd = ::open(spec.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return posix_error("open root", spec.root);
  std::vector<ScannedFile> files;
  Walker walker(spec, files);
  ZCCACHE_TRY(walker.walk(fd, "", FileSelection(spec).root_included()));
  std::sort(files.begin(), files.end(), [](const ScannedFile& a, const ScannedFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace zccache::fp
