#include "zccache/front/socket_path.h"

#include <stdlib.h>
#include <sys/un.h>
#include <unistd.h>

#include "zccache/transport/socket_name.h"

namespace zccache::front {

bool daemon_socket_path(const char* cwd, Text* out) {
  Text dir;
  const char* env = getenv("ZCCACHE_DIR");
  const char* home = getenv("HOME");
  const char* base = env && *env ? env : home && *home ? home : nullptr;
  if (base) {
    if (*base != '/') {
      dir.add(cwd);
      dir.add("/");
    }
    dir.add(base);
    if (base == home) dir.add("/.zccache");
  } else {
    dir.add("/tmp/zccache-");
    dir.add_number(getuid());
  }
  while (dir.size > 1 && dir.data[dir.size - 1] == '/') dir.data[--dir.size] = '\0';
  out->add(dir.data);
  out->add("/run/daemon.sock");
  if (!dir.ok || !out->ok) return false;
  if (out->size >= sizeof(sockaddr_un{}.sun_path)) {
    *out = Text();
    out->add("/tmp/zccache-");
    out->add_number(getuid());
    out->add("/");
    out->add_number(transport::socket_name_hash(dir.data, dir.size), 16, 16);
    out->add(".sock");
  }
  return out->ok;
}

}  // namespace zccache::front
