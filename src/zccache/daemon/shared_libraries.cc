#include "zccache/daemon/shared_libraries.h"

#include <unistd.h>

#include "zccache/base/lines.h"
#include "zccache/os/process.h"

namespace zccache::daemon {

std::vector<std::string> parse_ldd(std::string_view text, bool* complete) {
  std::vector<std::string> libs;
  *complete = true;
  for_each_line(text, [&](std::string_view line) {
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
    if (line.empty()) return;
    size_t arrow = line.find(" => ");
    std::string_view path = arrow == std::string_view::npos ? line : line.substr(arrow + 4);
    if (path.substr(0, 9) == "not found") {
      *complete = false;
      return;
    }
    path = path.substr(0, path.find(" ("));
    if (path.empty() || path[0] != '/') return;  // linux-vdso.so.1 (0x...): no file
    libs.emplace_back(path);
  });
  return libs;
}

std::vector<std::string> shared_libraries(const std::string& binary, bool* complete) {
  static const std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  // glibc's ldd (libc-bin, always installed on Debian); run_capture takes an absolute path.
  const char* ldd = ::access("/usr/bin/ldd", X_OK) == 0 ? "/usr/bin/ldd" : "/bin/ldd";
  auto out = os::run_capture({ldd, binary}, &env);
  *complete = false;
  if (!out.ok()) return {};
  if (out->exit_code != 0) {
    // glibc's ldd says so (exit 1) for static programs and scripts: nothing to load.
    *complete = (out->stdout_data + out->stderr_data).find("not a dynamic executable") != std::string::npos;
    return {};
  }
  return parse_ldd(out->stdout_data, complete);
}

}  // namespace zccache::daemon
