// names_created_in_for_testing: what a piece of code creates in a directory, seen through inotify
// (a file created and removed again still shows). Test-only.
#pragma once

#include <sys/inotify.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace zccache::testing {

// Names created or moved into `dir` while `action` runs, in order; empty when `dir` cannot be
// watched.
template <typename Action>
std::vector<std::string> names_created_in_for_testing(const std::string& dir, Action action) {
  std::vector<std::string> names;
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd >= 0 && ::inotify_add_watch(fd, dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
    ::close(fd);
    fd = -1;
  }
  action();
  if (fd < 0) return names;
  alignas(inotify_event) char buf[64 * 1024];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      if (ev->len > 0) names.emplace_back(ev->name);
      p += sizeof(inotify_event) + ev->len;
    }
  }
  ::close(fd);
  return names;
}

}  // namespace zccache::testing
