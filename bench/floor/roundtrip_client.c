/* The round-trip floor of ./perf: the least a daemon-backed compiler cache can do per hit. A static
 * C program that sends its cwd and argv over a Unix socket in one write, waits for a one-byte
 * answer (the exit status) and exits. No PATH lookup, no environment, no hashing.
 *   roundtrip_client SOCKET compiler args...   (the compiler and args are only sent, never run) */
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static char buf[1 << 16];
  size_t n = 0;
  if (argc < 2 || !getcwd(buf, sizeof buf)) return 2;
  n = strlen(buf) + 1;
  for (int i = 2; i < argc; i++) {
    size_t len = strlen(argv[i]) + 1;
    if (n + len > sizeof buf) return 2;
    memcpy(buf + n, argv[i], len);
    n += len;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return 3;
  if (write(fd, buf, n) != (ssize_t)n) return 3;
  shutdown(fd, SHUT_WR);
  unsigned char status;
  if (read(fd, &status, 1) != 1) return 3;
  return status;
}
