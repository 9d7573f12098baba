#include "zccache/client/wrapper.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <thread>

#include "zccache/base/log.h"
#include "zccache/base/version.h"
#include "zccache/client/compiler_path.h"
#include "zccache/client/daemon_link.h"
#include "zccache/client/handoff.h"
#include "zccache/os/file_info.h"
#include "zccache/os/process.h"
#include "zccache/os/program_search.h"
#include "zccache/protocol/unit_marker.h"
#include "zccache/transport/channel.h"

extern char** environ;

namespace zccache::client {
namespace {

using transport::Clock;

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void exec_compiler(const std::string& compiler, const std::vector<std::string>& args) {
  std::vector<std::string> argv{compiler};
  argv.insert(argv.end(), args.begin(), args.end());
  Error e = os::exec_replace(argv);
  log::error(e.message);
  std::_Exit(127);
}

// Exits like the compiler did: with its code, or by the same signal.
[[noreturn]] void exit_like(const os::ProcessOutput& out) {
  if (out.term_signal != 0) {
    ::signal(out.term_signal, SIG_DFL);
    ::raise(out.term_signal);
  }
  std::_Exit(out.exit_code);
}

// The compiler to run: as the build named it, and its path once known. A bare name is left to the
// daemon's PATH search (CompileRequest::path_search); we search ourselves only to run it without
// the daemon, or when the daemon found nothing (then to say so as the shell would).
class CompilerRef {
 public:
  // cwd: "" when it was removed; then a relative name or PATH entry is taken from ".".
  CompilerRef(std::string name, const std::string& cwd) : name_(std::move(name)), cwd_(cwd.empty() ? "." : cwd) {
    if (name_.find('/') != std::string::npos) path_ = resolve_compiler(name_, cwd_);
  }
  const std::string& name() const { return name_; }
  const std::string& known_path() const { return path_; }
  void found(const std::string& path) {
    if (!path.empty()) path_ = path;
  }
  // The path to exec; exits 127 (as a shell would) when PATH has no such compiler.
  const std::string& path() {
    if (path_.empty()) {
      path_ = resolve_compiler(name_, cwd_);
      if (path_.empty()) {
        log::error("compiler '" + name_ + "' not found in PATH");
        std::_Exit(127);
      }
    }
    return path_;
  }

 private:
  std::string name_;
  std::string cwd_;
  std::string path_;
};

protocol::CompileRequest make_request(CompilerRef& compiler, const std::vector<std::string>& args,
                                      const std::string& cwd) {
  protocol::CompileRequest req;
  req.client_version = kVersion;
  // Lets the end-to-end tests play a client of another version against a real daemon.
  if (const char* v = std::getenv("ZCCACHE_CLIENT_VERSION_FOR_TESTING")) req.client_version = v;
  if (compiler.known_path().empty()) {
    // Without a working directory (removed) a relative PATH entry means nothing to the daemon.
    if (auto self = self_id(); self && !cwd.empty()) {
      req.compiler = compiler.name();
      req.path_search = os::format_file_id(*self);
    } else {
      req.compiler = compiler.path();  // no identity to skip: search here, as before
    }
  } else {
    req.compiler = compiler.known_path();
  }
  req.args = args;
  req.cwd = cwd;
  for (char** e = environ; *e; ++e) req.env.emplace_back(*e);
  mode_t mask = ::umask(0);
  ::umask(mask);
  req.umask = mask;
  req.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;
  if (const char* s = std::getenv("ZCCACHE_SESSION_ID")) req.session_id = s;
  return req;
}

// Sends the request and returns the reply; restarts a daemon of another version once. The frame
// is encoded before connecting (transport::encode_message says why).
Result<std::pair<UniqueFd, protocol::CompileReply>> ask_daemon(const protocol::Message& req) {
  auto frame = transport::encode_message(req);
  if (!frame.ok()) return frame.error();
  transport::Endpoint endpoint = transport::endpoint_for(transport::default_cache_dir());
  const auto timeout = reply_timeout();
  for (int attempt = 0; attempt < 2; ++attempt) {
    // The front sent this very request and left the daemon's reply unread in its connection.
    const bool handed_over = attempt == 0 && handoff().connection.valid();
    auto conn = handed_over ? Result<UniqueFd>(std::move(handoff().connection)) : connect_or_start(endpoint);
    if (!conn.ok()) return conn.error();
    if (!handed_over) ZCCACHE_TRY(transport::send_frame(conn->get(), *frame, Clock::now() + timeout));
    auto msg = transport::receive_message(conn->get(), Clock::now() + timeout);
    if (!msg.ok()) return msg.error();
    auto* reply = std::get_if<protocol::CompileReply>(&*msg);
    if (!reply) return make_error(ErrorCode::kProtocol, "unexpected reply from daemon");
    if (reply->outcome != protocol::CompileOutcome::kVersionMismatch) {
      return std::make_pair(std::move(conn).value(), std::move(*reply));
    }
    log::debug("daemon is another version; restarting it");
    conn->reset();
    wait_for_daemon_exit(endpoint, std::chrono::seconds(10));
  }
  return make_error(ErrorCode::kProtocol, "daemon version mismatch persists");
}

// `-wrapper <this binary>,--zccache-unit-marker` for gcc (see protocol::kUnitMarker); nothing
// when our path cannot be spelled in -wrapper's comma-separated list (the daemon then finds no
// markers and stores nothing of a run that printed diagnostics).
std::vector<std::string> unit_marker_args() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return {};
  std::string path(self, static_cast<size_t>(n));
  if (path.find(',') != std::string::npos) return {};
  return {"-wrapper", path + "," + std::string(protocol::kUnitMarkerOption)};
}

// The environment of a compile: ours, with the daemon's additions (which replace same names).
std::vector<std::string> compile_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view var(*e);
    std::string_view name = var.substr(0, var.find('='));
    bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return x.size() > name.size() && x.compare(0, name.size(), name) == 0 && x[name.size()] == '=';
    });
    if (!replaced) env.emplace_back(var);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// The files the daemon added to the command: its -MF path, a link's dependency file or reproduce
// archive (link_compile.cc, emcc_link.cc), SUNPRO_DEPENDENCIES' path.
std::vector<std::string_view> injected_files(const protocol::CompileReply& reply) {
  std::vector<std::string_view> files;
  for (size_t i = 0; i + 1 < reply.extra_args.size(); ++i) {
    if (reply.extra_args[i] == "-MF") files.emplace_back(reply.extra_args[i + 1]);
  }
  for (const std::string& arg : reply.extra_args) {
    for (std::string_view option : {"-Wl,--dependency-file=", "--dependency-file=", "--reproduce=", "-Wl,--reproduce="}) {
      if (arg.compare(0, option.size(), option) == 0) files.push_back(std::string_view(arg).substr(option.size()));
    }
  }
  for (const std::string& var : reply.extra_env) {
    size_t eq = var.find('=');
    if (eq != std::string::npos) files.push_back(std::string_view(var).substr(eq + 1));
  }
  return files;
}

// Whether a failed compile's diagnostics name a file the daemon added to the command: then the
// failure may be the cache's, not the source's (ld: "cannot open dependency file PATH").
bool failed_on_injected_file(const std::vector<std::string_view>& injected, const std::string& stderr_data) {
  return std::any_of(injected.begin(), injected.end(), [&](std::string_view path) {
    return !path.empty() && stderr_data.find(path) != std::string::npos;
  });
}

// Runs one compile of a miss, prints its output, and hands the result to the daemon, which copies
// the outputs before it answers, so waiting keeps a later build step from touching them first. A
// lost daemon here costs nothing: the compile already ran.
// The output goes out as the compiler writes it (cargo starts dependent crates on rustc's metadata
// notice, long before it exits: pipelining), unless it must be looked at first: gcc's unit markers
// are stripped from it, and a failure on a file the daemon added is run again, printing only the
// second run's output.
// `plain_argv` is the same compile without the daemon's additions: it runs instead, uncached, when
// the compile failed on a file the daemon asked for (its dependency file in ZCCACHE_DIR/tmp, when
// that directory is full, read-only or gone), so such a failure never fails the build.
Result<os::ProcessOutput> compile_and_store(UniqueFd& conn, const protocol::CompileReply& reply,
                                            const std::vector<std::string>& argv, std::vector<uint32_t> units,
                                            const std::vector<std::string>& plain_argv) {
  std::vector<std::string> env;
  if (!reply.extra_env.empty()) env = compile_env(reply.extra_env);
  const std::vector<std::string_view> injected = injected_files(reply);
  const bool echo = !reply.unit_markers && injected.empty();
  int64_t start = os::now_realtime_ns();
  auto out = os::run_capture(argv, reply.extra_env.empty() ? nullptr : &env, {},
                             echo ? os::Echo{STDOUT_FILENO, STDERR_FILENO} : os::Echo{});
  int64_t duration = os::now_realtime_ns() - start;
  if (!out.ok()) return out;
  if (!echo && out->exit_code != 0 && failed_on_injected_file(injected, out->stderr_data)) {
    log::debug("the compile failed on the daemon's dependency file; running it uncached");
    conn.reset();  // the daemon stores nothing of a miss whose client went away
    out = os::run_capture(plain_argv, nullptr);
    if (out.ok()) {
      write_all(STDOUT_FILENO, out->stdout_data);
      write_all(STDERR_FILENO, out->stderr_data);
    }
    return out;
  }
  if (!echo) {
    write_all(STDOUT_FILENO, out->stdout_data);
    write_all(STDERR_FILENO, reply.unit_markers ? protocol::strip_unit_markers(out->stderr_data) : out->stderr_data);
  }

  protocol::StoreRequest store;
  store.miss_token = reply.miss_token;
  store.exit_code = out->exit_code;
  store.start_time_ns = start;
  store.duration_ns = duration;
  store.units = std::move(units);
  // Also when it failed: the daemon stores some non-zero results (clang-tidy's exit code 1 with
  // its diagnostics) and drops the others.
  store.stdout_data = out->stdout_data;
  store.stderr_data = out->stderr_data;
  const auto timeout = reply_timeout();
  if (conn.valid() && transport::send_message(conn.get(), store, Clock::now() + timeout).ok()) {
    if (!transport::receive_message(conn.get(), Clock::now() + timeout).ok()) conn.reset();
  } else {
    conn.reset();
  }
  return out;
}

// A kMulti reply the client can follow: one entry per source in every unit vector, each source
// index inside expanded_args.
bool multi_reply_valid(const protocol::CompileReply& reply) {
  size_t n = reply.unit_hit.size();
  if (n < 2 || reply.unit_arg_index.size() != n || reply.unit_stdout.size() != n || reply.unit_stderr.size() != n) {
    return false;
  }
  return std::all_of(reply.unit_arg_index.begin(), reply.unit_arg_index.end(),
                     [&](uint32_t i) { return i < reply.expanded_args.size(); });
}

// Several sources: the daemon delivered the hits. Output must come in source order, so the misses
// are compiled in runs between the hits that printed something: one compiler process for all of
// them unless such a hit sits between two misses. Exits like the bare compiler would: non-zero
// when any compile failed (both drivers go on with the other sources after one fails).
[[noreturn]] void run_multi(const std::string& compiler, const std::vector<std::string>& args, UniqueFd& conn,
                            const protocol::CompileReply& reply) {
  const size_t n = reply.unit_hit.size();
  std::optional<os::ProcessOutput> failed;
  std::vector<uint32_t> pending;
  auto compile_pending = [&] {
    if (pending.empty()) return;
    std::vector<std::string> argv{compiler};
    if (pending.size() == n) {
      argv.insert(argv.end(), args.begin(), args.end());  // every source: the command as given
    } else {
      std::vector<bool> drop(reply.expanded_args.size(), false);
      for (size_t u = 0; u < n; ++u) drop[reply.unit_arg_index[u]] = true;
      for (uint32_t u : pending) drop[reply.unit_arg_index[u]] = false;
      for (size_t i = 0; i < reply.expanded_args.size(); ++i) {
        if (!drop[i]) argv.push_back(reply.expanded_args[i]);
      }
    }
    std::vector<std::string> plain_argv = argv;
    argv.insert(argv.end(), reply.extra_args.begin(), reply.extra_args.end());
    if (reply.unit_markers) {
      auto marker_args = unit_marker_args();
      argv.insert(argv.end(), marker_args.begin(), marker_args.end());
    }
    auto out = compile_and_store(conn, reply, argv, pending, plain_argv);
    pending.clear();
    if (!out.ok()) {
      log::error(out.error().message);
      std::_Exit(127);
    }
    if (out->exit_code != 0 && !failed) failed = std::move(out).value();
  };
  for (size_t u = 0; u < n; ++u) {
    if (!reply.unit_hit[u]) {
      pending.push_back(static_cast<uint32_t>(u));
      continue;
    }
    if (reply.unit_stdout[u].empty() && reply.unit_stderr[u].empty()) continue;
    compile_pending();
    write_all(STDOUT_FILENO, reply.unit_stdout[u]);
    write_all(STDERR_FILENO, reply.unit_stderr[u]);
  }
  compile_pending();
  conn.reset();
  if (failed) exit_like(*failed);
  std::_Exit(0);
}

}  // namespace

int run_wrapped_compile(const std::string& compiler_name, const std::vector<std::string>& args,
                        const std::string& cwd) {
  CompilerRef compiler(compiler_name, cwd);
  const char* disable = std::getenv("ZCCACHE_DISABLE");
  if (disable && *disable && std::string_view(disable) != "0") exec_compiler(compiler.path(), args);

  if (handoff().uncached) {
    log::debug("running uncached: the daemon did not answer the front");
    exec_compiler(compiler.path(), args);
  }
  auto asked = ask_daemon(protocol::Message(make_request(compiler, args, cwd)));
  if (!asked.ok()) {
    log::debug("running uncached: " + asked.error().message);
    exec_compiler(compiler.path(), args);
  }
  auto& [conn, reply] = *asked;
  compiler.found(reply.compiler);
  switch (reply.outcome) {
    case protocol::CompileOutcome::kHit:
      write_all(STDOUT_FILENO, reply.stdout_data);
      write_all(STDERR_FILENO, reply.stderr_data);
      return reply.exit_code;
    case protocol::CompileOutcome::kPassthrough:
      log::debug("passthrough: " + reply.reason);
      conn.reset();
      exec_compiler(compiler.path(), args);
    case protocol::CompileOutcome::kMiss:
      break;
    case protocol::CompileOutcome::kMulti:
      if (!multi_reply_valid(reply)) {
        log::debug("malformed multi-source reply; running uncached");
        conn.reset();
        exec_compiler(compiler.path(), args);
      }
      run_multi(compiler.path(), args, conn, reply);
    case protocol::CompileOutcome::kVersionMismatch:
      exec_compiler(compiler.path(), args);
  }

  std::vector<std::string> argv{compiler.path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> plain_argv = argv;
  argv.insert(argv.end(), reply.extra_args.begin(), reply.extra_args.end());
  auto out = compile_and_store(conn, reply, argv, {}, plain_argv);
  if (!out.ok()) {
    log::error(out.error().message);
    return 127;
  }
  exit_like(*out);
}

int run_unit_marker(int argc, char** argv) {
  std::string_view program = argv[0];
  std::string_view name = program.substr(program.rfind('/') + 1);
  if (name.starts_with("cc1")) write_all(STDERR_FILENO, std::string(protocol::kUnitMarker));
  ::execvp(argv[0], argv);
  (void)argc;
  log::error(std::string("cannot run ") + argv[0] + ": " + std::strerror(errno));
  return 127;
}

}  // namespace zccache::client
