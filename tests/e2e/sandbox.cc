#include "sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

extern char** environ;

namespace zccache::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Variables that change what a compiler or zccache does; the sandbox starts without them so that
// the developer's shell cannot change the results.
bool scrubbed(const std::string& name) {
  static const char* const kNames[] = {"DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES",
                                       "SOURCE_DATE_EPOCH",   "CPATH",
                                       "C_INCLUDE_PATH",      "CPLUS_INCLUDE_PATH",
                                       "OBJC_INCLUDE_PATH",   "CCC_OVERRIDE_OPTIONS",
                                       "GCC_EXEC_PREFIX",     "COMPILER_PATH",
                                       "GCC_COMPARE_DEBUG",   "CCACHE_DIR",
                                       "CCACHE_DISABLE",      "TERM",
                                       "GCC_COLORS",          "RUSTC_WRAPPER",
                                       "RUSTC_WORKSPACE_WRAPPER", "RUSTFLAGS",
                                       "CARGO_TARGET_DIR",    "CARGO_INCREMENTAL",
                                       "CARGO_BUILD_RUSTC_WRAPPER", "CARGO_ENCODED_RUSTFLAGS"};
  if (name.rfind("ZCCACHE_", 0) == 0) return true;
  for (const char* n : kNames)
    if (name == n) return true;
  return false;
}

std::string read_proc_cmdline(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string Counters::describe() const {
  std::ostringstream os;
  os << "running=" << daemon_running << " hits=" << hits << " misses=" << misses << " errors=" << errors
     << " stored=" << stored << " compile_failed=" << compile_failed << " entries=" << entries
     << " size_bytes=" << size_bytes << " passthrough={";
  for (auto& [k, v] : passthrough) os << k << ":" << v << " ";
  os << "}";
  return os.str();
}

std::string bin_dir() { return ZCCACHE_BIN_DIR; }

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return false;
  std::string line;
  std::getline(in, line);
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

std::string process_info(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::ostringstream os;
  os << "pid " << pid;
  size_t close = line.rfind(')');
  if (close != std::string::npos && close + 2 < line.size()) {
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    os << " (ppid " << ppid << ", state " << state << ")";
  } else {
    os << " (gone)";
  }
  std::string cmdline = read_proc_cmdline(std::to_string(pid));
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  os << ": " << cmdline;
  return os.str();
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_alive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

Sandbox::Sandbox() {
  ::signal(SIGPIPE, SIG_IGN);
  char tmpl[] = "/tmp/zccache-e2e-XXXXXX";
  char* dir = ::mkdtemp(tmpl);
  if (!dir) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return;
  }
  root_ = dir;
  cache_dir_ = root_ + "/cache";
  work_ = root_ + "/work";
  fs::create_directories(work_);
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string name = kv.substr(0, eq);
    if (scrubbed(name)) continue;
    base_env_[name] = kv.substr(eq + 1);
  }
  base_env_["ZCCACHE_DIR"] = cache_dir_;
  // A daemon that outlives a crashed test exits on its own.
  base_env_["ZCCACHE_IDLE_TIMEOUT"] = "300";
}

Sandbox::~Sandbox() {
  if (root_.empty()) return;
  if (fs::exists(cache_dir_)) {
    RunOptions opts;
    opts.timeout = 30s;
    zccache({"stop"}, opts);
    kill_daemons();
  }
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string Sandbox::zccache_bin() const { return bin_dir() + "/zccache"; }
std::string Sandbox::daemon_bin() const { return bin_dir() + "/zccache-daemon"; }

std::string Sandbox::path(const std::string& rel) const {
  if (!rel.empty() && rel[0] == '/') return rel;
  return rel.empty() ? work_ : work_ + "/" + rel;
}

void Sandbox::write(const std::string& rel, const std::string& content) {
  std::string p = path(rel);
  fs::create_directories(fs::path(p).parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) ADD_FAILURE() << "cannot write " << p;
  }
  set_mtime(rel, -10s);
}

void Sandbox::set_mtime(const std::string& rel, std::chrono::seconds offset_from_now) {
  std::string p = path(rel);
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  struct timespec times[2] = {now, now};
  times[0].tv_sec += offset_from_now.count();
  times[1].tv_sec += offset_from_now.count();
  if (::utimensat(AT_FDCWD, p.c_str(), times, 0) != 0)
    ADD_FAILURE() << "utimensat " << p << ": " << std::strerror(errno);
  std::lock_guard lock(write_mutex_);
  last_write_ = std::chrono::steady_clock::now();
}

struct timespec Sandbox::mtime(const std::string& rel) const {
  struct stat st {};
  if (::stat(path(rel).c_str(), &st) != 0) ADD_FAILURE() << "stat " << path(rel) << ": " << std::strerror(errno);
  return st.st_mtim;
}

void Sandbox::set_mtime_exact(const std::string& rel, const struct timespec& mtime) {
  struct timespec times[2] = {mtime, mtime};
  if (::utimensat(AT_FDCWD, path(rel).c_str(), times, 0) != 0) ADD_FAILURE() << "utimensat: " << std::strerror(errno);
  std::lock_guard lock(write_mutex_);
  last_write_ = std::chrono::steady_clock::now();
}

FileBytes Sandbox::read(const std::string& rel) const {
  std::ifstream in(path(rel), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Sandbox::exists(const std::string& rel) const {
  struct stat st;
  return ::lstat(path(rel).c_str(), &st) == 0;
}

void Sandbox::remove(const std::string& rel) {
  std::error_code ec;
  fs::remove(path(rel), ec);
  std::lock_guard lock(write_mutex_);
  last_write_ = std::chrono::steady_clock::now();
}

void Sandbox::make_dir(const std::string& rel) {
  fs::create_directories(path(rel));
  std::lock_guard lock(write_mutex_);
  last_write_ = std::chrono::steady_clock::now();
}

void Sandbox::copy_tree(const std::string& from_rel, const std::string& to_rel) {
  std::error_code ec;
  fs::copy(path(from_rel), path(to_rel), fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) ADD_FAILURE() << "copy " << from_rel << " -> " << to_rel << ": " << ec.message();
  std::lock_guard lock(write_mutex_);
  last_write_ = std::chrono::steady_clock::now();
}

void Sandbox::settle() {
  std::chrono::steady_clock::time_point ready;
  {
    std::lock_guard lock(write_mutex_);
    ready = last_write_ + 60ms;
  }
  auto now = std::chrono::steady_clock::now();
  if (now < ready) std::this_thread::sleep_for(ready - now);
}

std::vector<std::string> Sandbox::env_for(const RunOptions& opts) const {
  std::map<std::string, std::string> env = base_env_;
  for (const auto& [name, value] : opts.env) {
    if (value) {
      env[name] = *value;
    } else {
      env.erase(name);
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

RunResult Sandbox::run(const std::vector<std::string>& argv, const RunOptions& opts) {
  settle();
  RunResult result;
  if (argv.empty()) {
    result.err = "empty argv";
    return result;
  }
  std::vector<std::string> env = env_for(opts);
  std::string path_env;
  for (const auto& kv : env)
    if (kv.rfind("PATH=", 0) == 0) path_env = kv.substr(5);
  std::string program = find_in_path(argv[0], path_env.empty() ? "/usr/bin:/bin" : path_env);
  if (program.empty()) {
    result.exit_code = 127;
    result.err = argv[0] + ": not found in PATH";
    return result;
  }
  std::string cwd = opts.cwd.empty() ? work_ : path(opts.cwd);

  return run_process(program, argv, env, cwd, opts);
}

RunResult Sandbox::zccache(const std::vector<std::string>& args, const RunOptions& opts) {
  std::vector<std::string> argv{zccache_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, opts);
}

CompileResult Sandbox::compile(const std::vector<std::string>& argv, const std::vector<std::string>& outputs,
                               const RunOptions& opts) {
  std::string cwd = opts.cwd.empty() ? work_ : path(opts.cwd);
  auto out_path = [&](const std::string& o) { return o[0] == '/' ? o : cwd + "/" + o; };
  for (const auto& o : outputs) {
    std::error_code ec;
    fs::remove(out_path(o), ec);
  }
  CompileResult result;
  result.run = run(argv, opts);
  for (const auto& o : outputs) {
    result.files[o] = read(out_path(o));
    struct stat st;
    if (::stat(out_path(o).c_str(), &st) == 0) result.modes[o] = st.st_mode & 07777;
  }
  return result;
}

nlohmann::json Sandbox::status_json() {
  RunOptions opts;
  opts.timeout = 60s;
  RunResult r = zccache({"status", "--json"}, opts);
  if (r.exit_code != 0) return nullptr;
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return nullptr;
  return j;
}

Counters Sandbox::counters() {
  Counters c;
  nlohmann::json j = status_json();
  if (!j.is_object()) {
    ADD_FAILURE() << "zccache status --json gave no JSON object";
    return c;
  }
  auto num = [&](const char* name) -> uint64_t {
    return j.contains(name) && j[name].is_number_unsigned() ? j[name].get<uint64_t>() : 0;
  };
  c.daemon_running = j.value("daemon_running", false);
  c.hits = num("hits");
  c.misses = num("misses");
  c.errors = num("errors");
  c.stored = num("stored");
  c.compile_failed = num("compile_failed");
  c.entries = num("entries");
  c.size_bytes = num("size_bytes");
  if (j.contains("passthrough") && j["passthrough"].is_object()) {
    for (auto& [k, v] : j["passthrough"].items())
      if (v.is_number_unsigned()) c.passthrough[k] = v.get<uint64_t>();
  }
  return c;
}

bool Sandbox::wait_until(const std::function<bool(const Counters&)>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred(counters())) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

namespace {

pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  char state;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

}  // namespace

// A daemon's own children (posix_spawn of the compiler probes) carry its command line until they
// exec; they are told apart by their parent being a daemon of this directory.
std::vector<pid_t> Sandbox::daemon_pids() const {
  std::vector<pid_t> candidates = daemon_like_pids();
  std::vector<pid_t> pids;
  for (pid_t p : candidates) {
    pid_t parent = parent_of(p);
    if (parent == 0) continue;          // gone meanwhile
    if (!runs_our_daemon(p)) continue;  // exec'ed or exited meanwhile
    if (std::find(candidates.begin(), candidates.end(), parent) == candidates.end()) pids.push_back(p);
  }
  return pids;
}

bool Sandbox::runs_our_daemon(pid_t pid) const {
  std::string cmdline = read_proc_cmdline(std::to_string(pid));
  std::vector<std::string> args;
  for (size_t pos = 0; pos < cmdline.size();) {
    size_t end = cmdline.find('\0', pos);
    if (end == std::string::npos) end = cmdline.size();
    args.push_back(cmdline.substr(pos, end - pos));
    pos = end + 1;
  }
  if (args.empty()) return false;
  if (args[0].substr(args[0].rfind('/') + 1) != "zccache-daemon") return false;
  for (size_t i = 1; i + 1 < args.size(); ++i)
    if (args[i] == "--cache-dir" && args[i + 1] == cache_dir_) return process_alive(pid);
  return false;
}

std::vector<pid_t> Sandbox::daemon_like_pids() const {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (!proc) return pids;
  while (struct dirent* e = ::readdir(proc)) {
    std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (runs_our_daemon(pid)) pids.push_back(pid);
  }
  ::closedir(proc);
  return pids;
}

std::optional<pid_t> Sandbox::status_pid() {
  nlohmann::json j = status_json();
  if (!j.is_object() || !j.value("daemon_running", false) || !j.contains("pid") || !j["pid"].is_number_integer())
    return std::nullopt;
  return static_cast<pid_t>(j["pid"].get<long long>());
}

int Sandbox::kill_daemons() {
  int killed = 0;
  for (pid_t pid : daemon_pids()) {
    if (::kill(pid, SIGKILL) == 0) ++killed;
    wait_for_exit(pid);
  }
  return killed;
}

std::optional<pid_t> Sandbox::freeze_daemon() {
  std::optional<pid_t> pid = status_pid();
  if (!pid || ::kill(*pid, SIGSTOP) != 0) return std::nullopt;
  return pid;
}

RunOptions impatient_options() {
  RunOptions quick;
  quick.env["ZCCACHE_TIMEOUT"] = "1";
  quick.timeout = std::chrono::seconds(60);
  return quick;
}

::testing::AssertionResult same_bytes(const std::string& what, const FileBytes& expected, const FileBytes& actual) {
  if (!expected && !actual) return ::testing::AssertionSuccess();
  if (!expected)
    return ::testing::AssertionFailure() << what << ": bare compiler wrote no file, zccache wrote " << actual->size()
                                         << " bytes";
  if (!actual)
    return ::testing::AssertionFailure() << what << ": missing (bare compiler wrote " << expected->size() << " bytes)";
  if (*expected == *actual) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < expected->size() && i < actual->size() && (*expected)[i] == (*actual)[i]) ++i;
  size_t from = i > 40 ? i - 40 : 0;
  return ::testing::AssertionFailure() << what << " differs: expected " << expected->size() << " bytes, got "
                                       << actual->size() << "; first difference at offset " << i << "\n  expected: ..."
                                       << printable(*expected, from, 160) << "\n  actual:   ..."
                                       << printable(*actual, from, 160);
}

::testing::AssertionResult same_text(const std::string& what, const std::string& expected, const std::string& actual) {
  return same_bytes(what, expected, actual);
}

void expect_same_compile(const CompileResult& bare, const CompileResult& cached, const std::string& label) {
  SCOPED_TRACE(label);
  EXPECT_FALSE(cached.run.timed_out) << "zccache timed out";
  EXPECT_EQ(bare.run.exit_code, cached.run.exit_code)
      << "exit code\n bare:    " << bare.run.describe() << "\n zccache: " << cached.run.describe();
  EXPECT_TRUE(same_text("stdout", bare.run.out, cached.run.out));
  EXPECT_TRUE(same_text("stderr", bare.run.err, cached.run.err));
  for (const auto& [name, bytes] : bare.files) {
    auto it = cached.files.find(name);
    EXPECT_TRUE(same_bytes(name, bytes, it == cached.files.end() ? FileBytes{} : it->second));
    auto bm = bare.modes.find(name);
    auto cm = cached.modes.find(name);
    if (bm != bare.modes.end() && cm != cached.modes.end()) {
      EXPECT_EQ(bm->second, cm->second) << name << ": permission bits differ (octal " << std::oct << bm->second
                                        << " vs " << cm->second << std::dec << ")";
    }
  }
}

std::map<std::string, std::string> tree(const std::string& dir, const std::vector<std::string>& suffixes) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string name = fs::relative(e.path(), dir).string();
    if (!suffixes.empty() && std::none_of(suffixes.begin(), suffixes.end(),
                                          [&](const std::string& s) { return name.ends_with(s); }))
      continue;
    std::ifstream in(e.path(), std::ios::binary);
    out[name] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

void expect_same_tree(const std::map<std::string, std::string>& bare, const std::map<std::string, std::string>& cached) {
  EXPECT_EQ(bare.size(), cached.size());
  for (const auto& [name, bytes] : bare) {
    auto it = cached.find(name);
    if (it == cached.end()) {
      ADD_FAILURE() << "missing " << name;
      continue;
    }
    EXPECT_TRUE(same_bytes(name, bytes, it->second));
  }
}

// The "outcome" of each line of the global journal, once it has `n` lines (written off the
// request path: polled for a few seconds).
std::vector<std::string> journal_outcomes(const Sandbox& sb, size_t n) {
  std::vector<std::string> outcomes;
  for (int i = 0; i < 100 && outcomes.size() < n; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    outcomes.clear();
    std::string text = sb.read(sb.cache_dir() + "/logs/compile_journal.jsonl").value_or("");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) break;
      auto j = nlohmann::json::parse(text.substr(pos, nl - pos), nullptr, false);
      outcomes.push_back(j.is_object() && j.contains("outcome") ? j["outcome"].get<std::string>() : "?");
      pos = nl + 1;
    }
  }
  return outcomes;
}

}  // namespace zccache::e2e
