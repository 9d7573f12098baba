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
  Walker(const FileSetSpec& spec, std::vector<ScannedFile>& out) : spec_(spec), out_(out) {}

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
        if (symlink || excluded_all(path)) continue;
        bool all = included || included_all(path);
        if (!all && !may_include_below(path)) continue;
        int sub = ::openat(::dirfd(dir.get()), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (sub < 0) {
          if (errno == ENOENT) continue;
          return posix_error("open", spec_.root + "/" + path);
        }
        ZCCACHE_TRY(walk(sub, path, all));
      } else if (S_ISREG(st.st_mode)) {
        if (skipped(path) || excluded(path)) continue;
        if (!included && !include_matches(path)) continue;
        out_.push_back({std::move(path), info_of(st)});
      }
    }
    return {};
  }

 private:
  bool skipped(const std::string& path) const {
    if (!spec_.skip_file.empty() && path == spec_.skip_file) return true;
    return !spec_.skip_temp_prefix.empty() && path.rfind(spec_.skip_temp_prefix, 0) == 0;
  }
  bool excluded(const std::string& path) const {
    return std::any_of(spec_.excludes.begin(), spec_.excludes.end(), [&](const Glob& g) { return g.matches(path); });
  }
  bool excluded_all(const std::string& dir) const {
    return std::any_of(spec_.excludes.begin(), spec_.excludes.end(),
                       [&](const Glob& g) { return g.matches_all_below(dir); });
  }
  bool include_matches(const std::string& path) const {
    return spec_.includes.empty() ||
           std::any_of(spec_.includes.begin(), spec_.includes.end(), [&](const Glob& g) { return g.matches(path); });
  }
  bool included_all(const std::string& dir) const {
    return spec_.includes.empty() || std::any_of(spec_.includes.begin(), spec_.includes.end(),
                                                 [&](const Glob& g) { return g.matches_all_below(dir); });
  }
  bool may_include_below(const std::string& dir) const {
    return std::any_of(spec_.includes.begin(), spec_.includes.end(),
                       [&](const Glob& g) { return g.may_match_below(dir); });
  }

  const FileSetSpec& spec_;
  std::vector<ScannedFile>& out_;
};

}  // namespace

Result<std::vector<ScannedFile>> scan_files(const FileSetSpec& spec) {
  int fd = ::open(spec.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return posix_error("open root", spec.root);
  std::vector<ScannedFile> files;
  Walker walker(spec, files);
  ZCCACHE_TRY(walker.walk(fd, "", spec.includes.empty()));
  std::sort(files.begin(), files.end(), [](const ScannedFile& a, const ScannedFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace zccache::fp
