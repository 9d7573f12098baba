#include "zccache/os/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zccache/base/posix_error.h"
#include "zccache/base/unique_fd.h"

extern char** environ;

namespace zccache::os {
namespace {

std::vector<char*> to_cstrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Writes all of data to fd; false when fd fails (then the caller stops echoing to it).
bool write_fully(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Drains both pipes until EOF without letting either fill up (a compiler writing a lot to stderr
// must not block while we wait on stdout), echoing what arrives.
void drain_pipes(int out_fd, int err_fd, std::string& out, std::string& err, Echo echo) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&out, &err};
  int echo_fds[2] = {echo.stdout_fd, echo.stderr_fd};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
        if (echo_fds[i] >= 0 && !write_fully(echo_fds[i], buf, static_cast<size_t>(n))) echo_fds[i] = -1;
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

}  // namespace

Result<ProcessOutput> run_capture(const std::vector<std::string>& argv, const std::vector<std::string>* env,
                                  const std::string& cwd, Echo echo) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return posix_error("pipe", "");
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return posix_error("pipe", "");
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), STDERR_FILENO);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  auto cargv = to_cstrings(argv);
  std::vector<char*> cenv;
  if (env) cenv = to_cstrings(*env);
  pid_t pid;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, cargv.data(), env ? cenv.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return posix_error("spawn", argv[0], rc);
  out_w.reset();
  err_w.reset();

  ProcessOutput result;
  drain_pipes(out_r.get(), err_r.get(), result.stdout_data, result.stderr_data, echo);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return posix_error("waitpid", argv[0]);
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    result.exit_code = 128 + result.term_signal;
  }
  return result;
}

Error exec_replace(const std::vector<std::string>& argv) {
  auto cargv = to_cstrings(argv);
  ::execv(argv[0].c_str(), cargv.data());
  return posix_error("exec", argv[0]);
}

Result<int> run_in_child(const std::function<int()>& fn) {
  pid_t pid = ::fork();
  if (pid < 0) return posix_error("fork", "");
  if (pid == 0) {
    // A crash here is an answer, not a bug to report: no sanitizer handler, no core file.
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::signal(sig, SIG_DFL);
    struct rlimit no_core {};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::_exit(fn());  // _exit: no atexit handlers or stdio flushes of the parent's state
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return posix_error("waitpid", "");
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace zccache::os
