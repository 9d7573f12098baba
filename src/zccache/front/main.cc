// zccache, the front: the binary a build runs for every compile. It answers a cache hit alone (one
// CompileRequest, the reply's output replayed, the reply's exit code) and hands everything else to
// zccache-client with one exec (client/handoff.h): a miss, a management command, no daemon yet,
// ZCCACHE_DEBUG. A miss's reply stays unread in the connection, so the client goes on from it and
// the daemon is asked once.
//
// Why a binary of its own, built against musl and without the C++ library (CMakeLists.txt): glibc's
// start-up asks the CPU for its features and cache sizes with dozens of cpuid instructions, and in
// a VM every cpuid is a trap to the hypervisor. On the 2-vCPU KVM machine a static glibc no-op
// takes 0.29 ms of CPU, a static musl one 0.04 ms: most of a hit's cost before it did anything.
//
// Anything unexpected goes to the client, which knows what to do (start the daemon, say why, run
// the compiler uncached); only when the client itself cannot run does the front run the compiler.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "zccache/base/version.h"
#include "zccache/cli/command_words.h"
#include "zccache/client/handoff_args.h"
#include "zccache/front/socket_path.h"
#include "zccache/front/text.h"
#include "zccache/front/wire.h"

extern char** environ;

namespace zccache::front {
namespace {

bool starts_with(const char* s, const char* prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

// cli::is_command
bool is_command(const char* word) {
  if (word[0] == '-') return true;
  for (const char* w : cli::kCommandWords) {
    if (strcmp(w, word) == 0) return true;
  }
  return false;
}

// The compile the build asked for: the compiler as it named it, and the arguments after it.
struct Compile {
  const char* compiler = nullptr;
  char** args = nullptr;
  size_t arg_count = 0;
};

// os::format_file_id: "dev:ino".
Text file_id(const struct stat& st) {
  Text id;
  id.add_number(st.st_dev);
  id.add(":");
  id.add_number(st.st_ino);
  return id;
}

// This binary's stat, which PATH searches skip; nullptr when unknown.
const struct stat* self_stat() {
  static struct stat self;
  static int known = -1;
  if (known < 0) known = stat("/proc/self/exe", &self) == 0;
  return known ? &self : nullptr;
}

void write_all(int fd, Bytes b) {
  while (b.size > 0) {
    ssize_t n = write(fd, b.data, b.size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    b.data += n;
    b.size -= static_cast<size_t>(n);
  }
}

void say(const char* a, const char* b = "", const char* c = "", const char* d = "") {
  const char* parts[] = {a, b, c, d};
  for (const char* s : parts) write_all(STDERR_FILENO, Bytes{s, strlen(s)});
}

// Only when zccache-client cannot run: the compiler, uncached, found as os::find_in_path finds it
// (the first regular executable over PATH that is not this binary).
[[noreturn]] void run_compiler(const Compile& c) {
  Text path;
  if (strchr(c.compiler, '/')) {
    path.add(c.compiler);
  } else {
    const char* search = getenv("PATH");
    if (!search) search = "/usr/local/bin:/usr/bin:/bin";
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, ".");
    const struct stat* self = self_stat();
    for (const char* dir = search;; ++dir) {
      const char* end = strchrnul(dir, ':');
      Text candidate;
      if (end == dir || *dir != '/') {
        candidate.add(cwd);
        candidate.add("/");
      }
      if (end != dir) {
        candidate.add(dir, static_cast<size_t>(end - dir));
        candidate.add("/");
      }
      candidate.add(c.compiler);
      struct stat st;
      if (candidate.ok && stat(candidate.data, &st) == 0 && S_ISREG(st.st_mode) && access(candidate.data, X_OK) == 0 &&
          !(self && st.st_dev == self->st_dev && st.st_ino == self->st_ino)) {
        path = candidate;
        break;
      }
      if (*end == '\0') break;
      dir = end;
    }
    if (path.size == 0) {
      say("zccache: compiler '", c.compiler, "' not found in PATH\n");
      _exit(127);
    }
  }
  char** argv = static_cast<char**>(malloc((c.arg_count + 2) * sizeof(char*)));
  if (!path.ok || !argv) _exit(127);
  argv[0] = path.data;
  for (size_t i = 0; i < c.arg_count; ++i) argv[i + 1] = c.args[i];
  argv[c.arg_count + 1] = nullptr;
  execv(path.data, argv);
  say("zccache: cannot run ", path.data, ": ", strerror(errno));
  say("\n");
  _exit(127);
}

// Execs zccache-client (the binary beside this one) with MODE (client/handoff.h) and our argv;
// `connection`: the descriptor MODE names, if any.
[[noreturn]] void hand_over(int argc, char** argv, const char* mode, const Compile* compile, int connection = -1) {
  Text client;
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    client.add(self, static_cast<size_t>(base_name(self) - self));
  } else {
    client.ok = false;  // never a zccache-client found relative to the build's directory
  }
  client.add(client::kClientBinaryName);
  const Text id = self_stat() ? file_id(*self_stat()) : Text();
  char** v = static_cast<char**>(malloc((static_cast<size_t>(argc) + 5) * sizeof(char*)));
  if (v && client.ok) {
    const char* head[] = {client.data, client::kHandoffOption, mode, id.size > 0 ? id.data : client::kHandoffNoId};
    for (int i = 0; i < 4; ++i) v[i] = const_cast<char*>(head[i]);
    for (int i = 0; i < argc; ++i) v[i + 4] = argv[i];
    v[argc + 4] = nullptr;
    execv(client.data, v);
  }
  // An installation without zccache-client: never break the build.
  const char* why = client.ok ? strerror(errno) : "cannot find it beside /proc/self/exe";
  if (connection >= 0) close(connection);
  say("zccache: cannot run ", client.ok ? client.data : client::kClientBinaryName, ": ", why);
  if (!compile) {
    say("\n");
    _exit(127);
  }
  say("; compiling uncached\n");
  run_compiler(*compile);
}

// Our own daemon's socket, connected; -1 when there is none (or not ours: the client says why).
int connect_daemon(const Text& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data, path.size + 1);
  ucred cred{};
  socklen_t len = sizeof cred;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred || cred.uid != getuid()) {
    close(fd);
    return -1;
  }
  return fd;
}

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// client::reply_timeout: ZCCACHE_TIMEOUT seconds, else 10.
int64_t timeout_ms() {
  const char* v = getenv("ZCCACHE_TIMEOUT");
  if (v && *v) {
    char* end = nullptr;
    double s = strtod(v, &end);
    if (end && *end == '\0' && s > 0) return static_cast<int64_t>(s * 1000);
  }
  return 10000;
}

// Waits for `events` until the deadline; false when it passed.
bool wait_for(int fd, short events, int64_t deadline) {
  for (;;) {
    const int64_t left = deadline - now_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(left < INT_MAX ? left : INT_MAX));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool send_all(int fd, const char* data, size_t size, int64_t deadline) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else if (errno != EINTR) {
      return false;
    }
  }
  return true;
}

bool receive_all(int fd, char* data, size_t size, int64_t deadline) {
  while (size > 0) {
    ssize_t n = recv(fd, data, size, MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n == 0) {
      return false;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLIN, deadline)) return false;
    } else if (errno != EINTR) {
      return false;
    }
  }
  return true;
}

enum class Peeked { kHit, kOther, kFailed };

// Looks at the reply's header and outcome without taking them from the socket, so that the
// client can read the whole reply when it is not a hit.
Peeked peek_reply(int fd, int64_t deadline, Header* header) {
  char head[kHeaderBytes + 1];
  for (;;) {
    ssize_t n = recv(fd, head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return Peeked::kFailed;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Peeked::kFailed;
      if (!wait_for(fd, POLLIN, deadline)) return Peeked::kFailed;
      continue;
    }
    if (static_cast<size_t>(n) >= kHeaderBytes) {
      if (!parse_header(head, header) || header->type != kCompileReplyType || header->length == 0) {
        return Peeked::kOther;  // the client reads it and says what is wrong
      }
      if (static_cast<size_t>(n) == sizeof head) return head[kHeaderBytes] == kOutcomeHit ? Peeked::kHit : Peeked::kOther;
    }
    // Part of the frame is there (a reply split by the kernel): the rest follows at once.
    if (now_ms() >= deadline) return Peeked::kFailed;
    timespec pause{0, 100 * 1000};
    nanosleep(&pause, nullptr);
  }
}

int run(int argc, char** argv) {
  Compile compile;
  if (starts_with(base_name(argv[0]), "zccache")) {
    if (argc < 2 || is_command(argv[1])) hand_over(argc, argv, client::kHandoffAsk, nullptr);
    compile = Compile{argv[1], argv + 2, static_cast<size_t>(argc - 2)};
  } else {  // a masquerade symlink named like the compiler
    compile = Compile{base_name(argv[0]), argv + 1, static_cast<size_t>(argc - 1)};
  }
  const char* disable = getenv("ZCCACHE_DISABLE");
  if ((disable && *disable && strcmp(disable, "0") != 0) || getenv("ZCCACHE_DEBUG") ||
      getenv("ZCCACHE_CLIENT_VERSION_FOR_TESTING")) {
    hand_over(argc, argv, client::kHandoffAsk, &compile);
  }
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) hand_over(argc, argv, client::kHandoffAsk, &compile);

  Request request;
  request.client_version = Bytes{kVersion, strlen(kVersion)};
  Text compiler, self_id;
  if (strchr(compile.compiler, '/')) {
    if (compile.compiler[0] != '/') {
      compiler.add(cwd);
      compiler.add("/");
    }
    compiler.add(compile.compiler);
  } else {
    if (!self_stat()) hand_over(argc, argv, client::kHandoffAsk, &compile);
    compiler.add(compile.compiler);
    self_id = file_id(*self_stat());
    request.path_search = self_id.bytes();  // the daemon searches PATH, skipping us
  }
  Text socket;
  if (!compiler.ok || !daemon_socket_path(cwd, &socket)) hand_over(argc, argv, client::kHandoffAsk, &compile);
  request.compiler = compiler.bytes();
  request.args = compile.args;
  request.arg_count = compile.arg_count;
  request.cwd = Bytes{cwd, strlen(cwd)};
  request.env = environ;
  const mode_t mask = umask(0);
  umask(mask);
  request.umask = mask;
  request.stderr_is_tty = isatty(STDERR_FILENO) == 1;
  if (const char* session = getenv("ZCCACHE_SESSION_ID")) request.session_id = Bytes{session, strlen(session)};
  const size_t frame_size = request_frame_size(request);
  char* frame = frame_size ? static_cast<char*>(malloc(frame_size)) : nullptr;
  if (!frame) hand_over(argc, argv, client::kHandoffAsk, &compile);
  write_request_frame(request, frame);

  const int fd = connect_daemon(socket);
  if (fd < 0) hand_over(argc, argv, client::kHandoffAsk, &compile);  // the client starts one
  const int64_t deadline = now_ms() + timeout_ms();
  Header header;
  const Peeked peeked = send_all(fd, frame, frame_size, deadline) ? peek_reply(fd, deadline, &header) : Peeked::kFailed;
  if (peeked == Peeked::kFailed) hand_over(argc, argv, client::kHandoffUncached, &compile);
  if (peeked == Peeked::kOther) {
    Text mode;
    mode.add_number(static_cast<unsigned>(fd));
    fcntl(fd, F_SETFD, 0);  // the client inherits the connection
    hand_over(argc, argv, mode.data, &compile, fd);
  }
  char* reply = static_cast<char*>(malloc(kHeaderBytes + header.length));
  Reply hit;
  if (!reply || !receive_all(fd, reply, kHeaderBytes + header.length, deadline) ||
      !parse_reply(reply + kHeaderBytes, header.length, &hit) || hit.outcome != kOutcomeHit) {
    hand_over(argc, argv, client::kHandoffUncached, &compile);
  }
  write_all(STDOUT_FILENO, hit.stdout_data);
  write_all(STDERR_FILENO, hit.stderr_data);
  return hit.exit_code;
}

}  // namespace
}  // namespace zccache::front

int main(int argc, char** argv) { return zccache::front::run(argc, argv); }
