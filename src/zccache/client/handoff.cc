#include "zccache/client/handoff.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <charconv>
#include <cstring>
#include <string_view>

namespace zccache::client {

Handoff& handoff() {
  static Handoff kept;
  return kept;
}

bool accept_handoff(const char* mode, const char* front_id) {
  Handoff& h = handoff();
  std::string_view m(mode);
  if (m == kHandoffUncached) {
    h.uncached = true;
  } else if (m != kHandoffAsk) {
    int fd = -1;
    auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), fd);
    struct stat st;
    if (ec != std::errc() || end != m.data() + m.size() || fd < 3 || ::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return false;
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    h.connection = UniqueFd(fd);
  }
  if (std::strcmp(front_id, kHandoffNoId) != 0) {
    h.front = os::parse_file_id(front_id);
    if (!h.front) return false;
  }
  return true;
}

}  // namespace zccache::client
