#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace zccache::e2e {
namespace {

struct Pipe {
  int r = -1, w = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
  void close_r() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_w() {
    if (w >= 0) ::close(w);
    w = -1;
  }
  ~Pipe() {
    close_r();
    close_w();
  }
};

}  // namespace

std::string printable(const std::string& s, size_t from, size_t len) {
  std::string out;
  for (size_t i = from; i < s.size() && i < from + len; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string RunResult::describe() const {
  std::ostringstream os;
  if (timed_out) os << "TIMED OUT, ";
  if (term_signal) os << "killed by signal " << term_signal << ", ";
  os << "exit " << exit_code;
  if (!out.empty()) os << ", stdout: " << printable(out, 0, 2000);
  if (!err.empty()) os << ", stderr: " << printable(err, 0, 2000);
  return os.str();
}

std::string find_in_path(const std::string& name, const std::string& path_env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = path_env;
  if (path.empty()) {
    const char* p = std::getenv("PATH");
    path = p ? p : "/usr/local/bin:/usr/bin:/bin";
  }
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

RunResult run_process(const std::string& program, const std::vector<std::string>& argv,
                      const std::vector<std::string>& env, const std::string& cwd, const RunOptions& opts) {
  RunResult result;
  // Everything the child needs is built before fork: between fork and exec only async-signal-safe
  // calls are allowed (other test threads may hold the allocator's locks).
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  Pipe out, err, in;
  bool err_ok;
  if (opts.stderr_tty) {
    // A pseudo-terminal: the compiler sees a terminal on stderr and may colour its diagnostics.
    err_ok = ::openpty(&err.r, &err.w, nullptr, nullptr, nullptr) == 0;
    if (err_ok) {
      ::fcntl(err.r, F_SETFD, FD_CLOEXEC);
      ::fcntl(err.w, F_SETFD, FD_CLOEXEC);
    }
  } else {
    err_ok = err.open();
  }
  if (!out.open() || !err_ok || (opts.stdin_data && !in.open())) {
    result.err = "pipe failed";
    return result;
  }
  int null_fd = opts.stdin_data ? -1 : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  bool set_umask = opts.umask.has_value();
  mode_t mask = opts.umask.value_or(0);

  pid_t pid = ::fork();
  if (pid < 0) {
    if (null_fd >= 0) ::close(null_fd);
    result.err = "fork failed";
    return result;
  }
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    if (set_umask) ::umask(mask);
    ::dup2(opts.stdin_data ? in.r : null_fd, STDIN_FILENO);
    ::dup2(out.w, STDOUT_FILENO);
    ::dup2(err.w, STDERR_FILENO);
    ::execve(program.c_str(), cargv.data(), cenv.data());
    ::_exit(127);
  }
  if (null_fd >= 0) ::close(null_fd);
  out.close_w();
  err.close_w();
  in.close_r();

  std::string to_write = opts.stdin_data.value_or("");
  size_t written = 0;
  if (!opts.stdin_data) in.close_w();
  if (in.w >= 0) ::fcntl(in.w, F_SETFL, O_NONBLOCK);

  auto deadline = std::chrono::steady_clock::now() + opts.timeout;
  char buf[65536];
  while (out.r >= 0 || err.r >= 0) {
    struct pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out.r >= 0) fds[idx_out = n++] = {out.r, POLLIN, 0};
    if (err.r >= 0) fds[idx_err = n++] = {err.r, POLLIN, 0};
    if (in.w >= 0) fds[idx_in = n++] = {in.w, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int r = ::poll(fds, n, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    auto drain = [&](int idx, Pipe& p, std::string& sink) {
      if (idx < 0 || fds[idx].revents == 0) return;
      ssize_t got = ::read(p.r, buf, sizeof(buf));
      if (got > 0) {
        sink.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        p.close_r();
      }
    };
    drain(idx_out, out, result.out);
    drain(idx_err, err, result.err);
    if (idx_in >= 0 && fds[idx_in].revents != 0) {
      if (fds[idx_in].revents & (POLLERR | POLLHUP)) {
        in.close_w();
      } else {
        ssize_t w = ::write(in.w, to_write.data() + written, to_write.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) in.close_w();
        if (written == to_write.size()) in.close_w();
      }
    }
    if (in.w >= 0 && written == to_write.size()) in.close_w();
  }
  in.close_w();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    result.exit_code = 128 + result.term_signal;
  }
  return result;
}

}  // namespace zccache::e2e
