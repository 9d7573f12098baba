/* The other half of the round-trip floor: reads one request per connection (cwd, then argv), finds
 * "-o OUT", replaces OUT by a hard link to STORE/<OUT with '/' as '_'> (how ./perf keeps the bare
 * compiler's objects) and answers with the status byte: 0, or 1 when the link failed. Serial, one
 * connection at a time, like a serial build.
 *   roundtrip_server SOCKET STORE */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned char serve(int fd, const char *store) {
  static char buf[1 << 16];
  size_t n = 0;
  ssize_t got;
  while (n < sizeof buf - 1 && (got = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)got;
  buf[n] = 0;
  const char *cwd = buf, *out = NULL;
  for (const char *p = buf + strlen(buf) + 1; p < buf + n; p += strlen(p) + 1) {
    if (strcmp(p, "-o") == 0 && p + 3 < buf + n) out = p + 3;
  }
  if (!out) return 1;
  char target[8192], source[8192];
  int tl = out[0] == '/' ? snprintf(target, sizeof target, "%s", out)
                         : snprintf(target, sizeof target, "%s/%s", cwd, out);
  if (tl < 0 || tl >= (int)sizeof target) return 1;
  int len = snprintf(source, sizeof source, "%s/", store);
  for (const char *c = out; *c && len < (int)sizeof source - 1; c++) source[len++] = *c == '/' ? '_' : *c;
  source[len] = 0;
  struct stat st;
  if (lstat(target, &st) == 0 && !S_ISREG(st.st_mode)) return 1;  /* never replace a non-file */
  unlink(target);
  if (link(source, target) != 0) return 1;
  utimensat(AT_FDCWD, target, NULL, 0);  /* a delivered output gets a current mtime */
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  unlink(argv[1]);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 64) != 0) {
    perror("roundtrip_server");
    return 1;
  }
  for (;;) {
    int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    unsigned char status = serve(fd, argv[2]);
    (void)!write(fd, &status, 1);
    close(fd);
  }
}
