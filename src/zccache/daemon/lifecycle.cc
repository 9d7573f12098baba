// zccache-daemon start-up and shutdown: single instance per cache directory (flock on
// run/daemon.lock, held for life), socket creation, signal handling, log file.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "zccache/base/log.h"
#include "zccache/base/version.h"
#include "zccache/config/remote_settings.h"
#include "zccache/config/size.h"
#include "zccache/daemon/activity.h"
#include "zccache/daemon/maintenance.h"
#include "zccache/daemon/server.h"
#include "zccache/os/file_info.h"
#include "zccache/remote/open_remotes.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/index.h"
#include "zccache/store/usage_tracker.h"
#include "zccache/transport/unix_socket.h"

extern char** environ;

namespace zccache::daemon {
namespace {

// SIGTERM/SIGINT write a byte here; the watchdog thread sleeps in read() on the other end until
// then (a pipe, not a flag polled ten times a second: an idle daemon should not wake up at all).
// write(2) is async-signal-safe; the descriptors are set before the handler is installed.
int g_stop_pipe[2] = {-1, -1};
void on_signal(int) {
  const int saved = errno;
  char byte = 0;
  (void)!::write(g_stop_pipe[1], &byte, 1);
  errno = saved;
}
void wait_for_stop_byte() {
  char byte;
  while (::read(g_stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
}

// A crash may come from a damaged index page that the start-up checks did not reach; the marker
// makes the next daemon discard the index instead of crashing on it again
// (store::crash_marker_path). The path is copied here first: a signal handler may not allocate.
char g_crash_marker[4096];
struct sigaction g_previous_action[NSIG];

void on_fatal_signal(int sig) {
  int fd = ::open(g_crash_marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    char digits[3] = {static_cast<char>('0' + sig / 10 % 10), static_cast<char>('0' + sig % 10), '\n'};
    (void)!::write(fd, sig >= 10 ? digits : digits + 1, sig >= 10 ? 3 : 2);
    ::close(fd);
  }
  // The previous handler (a sanitizer's, or the default) reports and ends the process; the signal
  // is blocked until this handler returns.
  ::sigaction(sig, &g_previous_action[sig], nullptr);
  ::raise(sig);
}

void write_crash_marker_on_fatal_signals(const std::string& marker) {
  std::snprintf(g_crash_marker, sizeof(g_crash_marker), "%s", marker.c_str());
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE}) ::sigaction(sig, &sa, &g_previous_action[sig]);
}

// Seconds in `name`, or `fallback` when unset or malformed.
std::chrono::seconds seconds_from_env(const char* name, std::chrono::seconds fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long s = std::strtol(v, &end, 10);
  if (*end != '\0' || s < 0) return fallback;
  return std::chrono::seconds(s);
}

std::chrono::seconds idle_timeout_from_env() { return seconds_from_env("ZCCACHE_IDLE_TIMEOUT", std::chrono::seconds(900)); }

// 6 h: the longest job GitHub-hosted CI runs, so a live job's session never expires under it,
// while a job that died before session-end does not keep its session (and the daemon) forever.
std::chrono::seconds session_timeout_from_env() {
  return seconds_from_env("ZCCACHE_SESSION_TIMEOUT", std::chrono::hours(6));
}

// The global journal's rotation size: ZCCACHE_JOURNAL_MAX_SIZE (a size as for max-size; 0 = never
// rotate), default 16 MiB; 5 rotated files are kept, so it takes at most 96 MiB.
constexpr int kJournalFilesKept = 5;
uint64_t journal_max_bytes_from_env() {
  constexpr uint64_t kDefault = 16u << 20;
  const char* v = std::getenv("ZCCACHE_JOURNAL_MAX_SIZE");
  if (!v || !*v) return kDefault;
  auto parsed = config::parse_size(v);
  if (!parsed.ok()) {
    log::error("daemon: ZCCACHE_JOURNAL_MAX_SIZE: " + parsed.error().message);
    return kDefault;
  }
  return *parsed;
}

// The remote tier of ZCCACHE_REMOTE or the config file's `remote` (not started), or nullptr for none. A
// malformed setting is logged (with credentials redacted) and leaves the daemon without a remote:
// the local cache works as before, and no build fails over it.
std::unique_ptr<RemoteTier> remote_tier_from_settings(const std::string& cache_dir, store::ArtifactStore& artifacts) {
  auto settings = config::load_remote_settings(cache_dir, std::getenv(config::kRemoteEnv),
                                               std::getenv(config::kRemoteOnlyReadEnv));
  if (!settings.ok()) {
    log::error("daemon: " + remote::redact_urls(settings.error().message));
    return nullptr;
  }
  remote::EnvCredentials credentials;
  if (const char* v = std::getenv("ZCCACHE_REMOTE_USERNAME")) credentials.username = v;
  if (const char* v = std::getenv("ZCCACHE_REMOTE_PASSWORD")) credentials.password = v;
  auto specs = remote::parse_remotes(settings->urls, credentials);
  if (!specs.ok()) {
    log::error("daemon: " + specs.error().message);
    return nullptr;
  }
  if (specs->empty()) return nullptr;
  return std::make_unique<RemoteTier>(remote::open_remotes(*specs), artifacts, settings->read_only);
}

// Unlinks the regular files directly in `dir` (no shell: the path may hold any character).
void remove_files_in(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code type_ec;
    if (entry.is_regular_file(type_ec)) ::unlink(entry.path().c_str());
  }
}

int fail(const std::string& msg) {
  log::error("daemon: " + msg);
  return 1;
}

}  // namespace

int run_daemon(int argc, char** argv) {
  std::string cache_dir;
  bool foreground = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--cache-dir" && i + 1 < argc) {
      cache_dir = argv[++i];
    } else if (a == "--foreground") {
      foreground = true;
    } else if (a == "--version") {
      std::printf("zccache-daemon %s\n", kVersion);
      return 0;
    } else {
      return fail("unknown argument: " + a + " (usage: zccache-daemon [--cache-dir DIR] [--foreground])");
    }
  }
  if (cache_dir.empty()) cache_dir = transport::default_cache_dir();
  if (cache_dir[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd))) cache_dir = std::string(cwd) + "/" + cache_dir;
  }
  // Hold no build directory open (it could not be unmounted, and `rm -rf` of it would leave a
  // daemon in a deleted directory): every path the daemon uses is absolute.
  if (::chdir("/") != 0) return fail("chdir /");
  transport::Endpoint endpoint = transport::endpoint_for(cache_dir);
  ::umask(077);
  if (Status s = transport::prepare_endpoint(endpoint); !s.ok()) return fail(s.error().message);
  for (const char* sub : {"/logs", "/tmp", "/artifacts"}) {
    if (Status s = os::make_dirs(cache_dir + sub, 0700); !s.ok()) return fail(s.error().message);
  }

  UniqueFd lock(::open(endpoint.daemon_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) return fail("cannot open " + endpoint.daemon_lock_path);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) return 0;  // another daemon serves this directory

  if (!foreground) {
    int log_fd = ::open((cache_dir + "/logs/daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDERR_FILENO);
      ::close(log_fd);
    }
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(null_fd, STDOUT_FILENO);
      ::close(null_fd);
    }
  }
  log::set_debug(std::getenv("ZCCACHE_DEBUG") != nullptr);

  // The writing end never blocks: a handler stuck on a full pipe (a flood of signals) would hang
  // the thread it interrupted; one byte already in it is enough.
  if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0 || ::fcntl(g_stop_pipe[1], F_SETFL, O_NONBLOCK) != 0) {
    return fail(std::string("pipe: ") + std::strerror(errno));
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);

  // Before any thread starts (open_or_rebuild forks to read the index safely).
  auto opened = store::Index::open_or_rebuild(cache_dir + "/index");
  if (!opened.ok()) return fail(opened.error().message);
  std::unique_ptr<store::Index> index = std::move(opened->index);
  write_crash_marker_on_fatal_signals(store::crash_marker_path(cache_dir + "/index"));
  store::ArtifactStore artifacts(cache_dir + "/artifacts");
  (void)artifacts.remove_temporaries();  // left by a daemon killed mid-write
  if (opened->origin == store::IndexOrigin::kRebuilt) {
    // Nothing names the blobs of the discarded index any more: they go with it.
    Status cleared = artifacts.clear();
    log::error("daemon: discarded the index (" + opened->rebuilt_because + ") and " +
               (cleared.ok() ? "its artifacts" : "what it could of its artifacts: " + cleared.error().message) +
               "; the cache starts empty");
  }
  // ZCCACHE_NO_WATCH=1: no inotify, a stat on every lookup (for file systems we misjudge).
  std::unique_ptr<watcher::Watcher> watch;
  if (const char* no = std::getenv("ZCCACHE_NO_WATCH"); !no || !*no || std::string_view(no) == "0") {
    watch = watcher::make_inotify_watcher();
  }
  fscache::MetadataCache files(watch.get());
  fscache::DirectoryCache listings(watch.get());
  CompilerRegistry compilers(files, cache_dir + "/tmp", index.get());
  Stats stats;
  if (auto saved = index->get(store::Table::kMeta, "stats"); saved.ok() && saved->has_value()) {
    stats.load_json(**saved);
  }
  if (opened->origin == store::IndexOrigin::kRebuilt) {
    stats.index_discarded();
    (void)index->put(store::Table::kMeta, "stats", stats.to_json());  // counted even if we are killed
  }
  remove_files_in(cache_dir + "/tmp");  // temporaries of a killed predecessor (we hold the lock)

  // We hold the instance lock, so a socket file left here belongs to a dead daemon.
  ::unlink(endpoint.socket_path.c_str());
  auto listener = transport::listen_unix(endpoint.socket_path);
  if (!listener.ok()) return fail(listener.error().message);
  ::chmod(endpoint.socket_path.c_str(), 0600);

  store::UsageTracker usage;
  std::optional<std::string> env_max_size;
  if (const char* v = std::getenv("ZCCACHE_MAX_SIZE"); v && *v) env_max_size = v;
  Maintenance maintenance(cache_dir, env_max_size, *index, artifacts, usage, stats);
  maintenance.start();
  std::unique_ptr<RemoteTier> remote = remote_tier_from_settings(cache_dir, artifacts);
  if (auto saved = index->get(store::Table::kMeta, kRemoteStatsKey); remote && saved.ok() && saved->has_value()) {
    remote->restore_counters(**saved);
  }
  CacheParts parts{files,    listings, compilers, *index, artifacts, stats, cache_dir + "/tmp",
                   watch.get(), usage,  remote.get()};
  JournalWriter journal(std::make_unique<AppendFile>(cache_dir + "/logs/compile_journal.jsonl",
                                                     journal_max_bytes_from_env(), kJournalFilesKept, 0600),
                        env_map(environ));
  journal.start();
  SessionRegistry sessions(session_timeout_from_env());
  Activity activity(journal, sessions);
  if (remote) {
    remote->set_upload_listener([&activity](UploadReport report) { activity.uploaded(std::move(report)); });
    remote->start();
  }
  Server server(endpoint, parts, maintenance, activity, std::move(listener).value(), idle_timeout_from_env());
  std::thread watchdog([&] {
    wait_for_stop_byte();
    server.stop();
  });
  server.run();
  if (remote) {
    remote->stop();  // uploads what is queued, for a few seconds at most
    remote->set_upload_listener(nullptr);  // `activity` goes first
    (void)index->put(store::Table::kMeta, kRemoteStatsKey, remote->counters_json());  // with the last uploads
  }
  maintenance.stop();  // flushes the last-use times
  journal.stop();      // writes every queued line
  ::unlink(endpoint.socket_path.c_str());
  on_signal(0);  // releases the watchdog (server.stop() again is harmless)
  watchdog.join();
  return 0;
}

}  // namespace zccache::daemon
