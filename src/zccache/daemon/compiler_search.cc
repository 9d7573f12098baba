#include "zccache/daemon/compiler_search.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "zccache/os/path.h"

namespace zccache::daemon {
namespace {

// Whether the answer for this PATH depends on the working directory: an empty or relative entry.
bool path_uses_cwd(std::string_view path) {
  for (size_t start = 0;;) {
    size_t colon = path.find(':', start);
    std::string_view entry = path.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (entry.empty() || entry[0] != '/') return true;
    if (colon == std::string_view::npos) return false;
    start = colon + 1;
  }
}

// The listings walk a path component by component; one with "." or ".." (or "//") is left to
// stat(), which resolves ".." after a symlink as the kernel does.
bool plain_path(const std::string& path) {
  return path.find("/./") == std::string::npos && path.find("/../") == std::string::npos &&
         path.find("//") == std::string::npos;
}

}  // namespace

std::string CompilerSearch::find(const std::string& name, std::string_view path, const std::string& cwd,
                                 os::FileId self) {
  watcher::Watcher* watcher = listings_.watcher();
  if (!watcher) return search(name, path, cwd, self, nullptr, nullptr);
  std::string key = name;
  key.append(1, '\0').append(path).append(1, '\0').append(os::format_file_id(self));
  if (path_uses_cwd(path)) key.append(1, '\0').append(cwd);
  {
    std::lock_guard lock(mutex_);
    auto it = remembered_.find(key);
    if (it != remembered_.end()) {
      if (it->second.dirs.unchanged()) return it->second.found;
      remembered_.erase(it);
    }
  }
  std::vector<std::string> candidates;
  bool plain = true;
  std::string found = search(name, path, cwd, self, &candidates, &plain);
  std::vector<std::string> dirs;
  if (found.empty() || !plain || !dependencies(candidates, dirs)) return found;
  auto snapshot = watcher::GenerationSnapshot::take(*watcher, dirs);
  if (!snapshot) return found;
  // Searched again after the snapshot: a change before it shows here, one after it moves a
  // generation. (Another request's drain between our search and the snapshot is why: without the
  // second search, the snapshot could hold generations newer than what the first one saw.)
  std::vector<std::string> again;
  if (search(name, path, cwd, self, &again, &plain) != found || again != candidates || !plain) return found;
  std::lock_guard lock(mutex_);
  if (remembered_.size() >= kMaxRemembered) remembered_.clear();
  remembered_.insert_or_assign(std::move(key), Remembered{found, std::move(*snapshot)});
  return found;
}

std::string CompilerSearch::search(const std::string& name, std::string_view path, const std::string& cwd,
                                   os::FileId self, std::vector<std::string>* candidates, bool* plain) {
  {
    std::lock_guard lock(mutex_);
    ++searches_;
  }
  auto may_exist = [&](const std::string& candidate) {
    if (candidates) candidates->push_back(candidate);
    if (plain_path(candidate)) return listings_.exists(candidate);
    if (plain) *plain = false;
    return true;
  };
  return os::find_in_path(name, path, cwd, self, may_exist);
}

bool CompilerSearch::dependencies(const std::vector<std::string>& candidates, std::vector<std::string>& dirs) {
  for (const std::string& candidate : candidates) {
    // A directory that does not exist holds nothing until a component of it is created in its
    // nearest existing ancestor, which is then what the absence depends on.
    std::string dir(os::dirname_of(candidate));
    struct stat st;
    for (;;) {
      if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) break;
      } else if (errno != ENOENT && errno != ENOTDIR) {
        return false;  // EACCES, ...: cannot tell what it holds
      }
      if (dir == "/") return false;
      dir = std::string(os::dirname_of(dir));
    }
    dirs.push_back(dir);
    if (::lstat(candidate.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;  // nothing there: the directory says when
      return false;
    }
    // Something is there: whether it is a regular, executable file other than zccache depends on
    // every link on the way to it and on the directory of the file it ends at.
    std::string real = os::real_path_traced(candidate, &dirs);
    if (real.empty()) return false;  // a dangling or unreadable link
    dirs.emplace_back(os::dirname_of(real));
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  watcher::Watcher& watcher = *listings_.watcher();
  return std::all_of(dirs.begin(), dirs.end(), [&](const std::string& d) { return watcher.watch(d).has_value(); });
}

void CompilerSearch::clear() {
  std::lock_guard lock(mutex_);
  remembered_.clear();
}

size_t CompilerSearch::searches() const {
  std::lock_guard lock(mutex_);
  return searches_;
}

}  // namespace zccache::daemon
