// Security (issue 8): another user can neither use our daemon nor hand us theirs, a cache directory
// of another user is refused, nothing in ZCCACHE_DIR is world-writable, secret values reach no
// file, and a frame's claimed length allocates nothing. Every build still succeeds.
//
// The tests that need a second account create one with useradd (as root) and delete it after; they
// skip when not root or when useradd is missing. The others need root only to chown.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAdminPath = "/usr/sbin:/sbin:/usr/bin:/bin";

// The daemon's socket with room for other users: the directories on its way traversable (no
// listing), the socket writable by all. This is what a careless setup could do; the daemon's own
// uid check must hold without the 0700 run directory.
void open_up_socket(const std::string& sandbox_root, const std::string& cache_dir) {
  for (const std::string& dir : {sandbox_root, cache_dir, cache_dir + "/run"}) {
    ASSERT_EQ(::chmod(dir.c_str(), 0711), 0) << dir;
  }
  ASSERT_EQ(::chmod((cache_dir + "/run/daemon.sock").c_str(), 0666), 0);
}

// Connects to `socket` as uid/gid (in a child process), sends `bytes`, and returns how many bytes
// came back before the peer closed (up to 200; the child's exit status carries it), or -1 when it
// could not connect.
int bytes_answered_as(uid_t uid, gid_t gid, const std::string& socket, const std::string& bytes) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) {
      ::_exit(255);
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) ::_exit(255);
    (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    int total = 0;
    char buf[4096];
    struct pollfd p = {fd, POLLIN, 0};
    while (total < 200 && ::poll(&p, 1, 10000) > 0) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      total += static_cast<int>(n);
    }
    ::_exit(std::min(total, 200));
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -2;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

// `root` and every file and directory below it (symlinks excluded: their mode means nothing).
std::vector<std::pair<std::string, struct stat>> walk(const std::string& root) {
  std::vector<std::pair<std::string, struct stat>> out;
  struct stat root_st;
  if (::stat(root.c_str(), &root_st) == 0) out.emplace_back(root, root_st);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && !S_ISLNK(st.st_mode)) out.emplace_back(it->path().string(), st);
  }
  return out;
}

class Security : public ::testing::Test, protected CompileChecks {
 protected:
  void SetUp() override {
    const CompilerPair& pair = compilers_installed(kGcc) ? kGcc : kClang;
    if (!compilers_installed(pair)) GTEST_SKIP() << "neither gcc nor clang is installed";
    init(pair);
  }
  void skip_unless_root() {
    if (::getuid() != 0) GTEST_SKIP() << "needs root";
  }
  // Starts the sandbox's daemon with ZCCACHE_DEBUG (its log then says what it refused).
  void start_debug_daemon() {
    RunOptions opts;
    opts.env["ZCCACHE_DEBUG"] = "1";
    ASSERT_EQ(sb().zccache({"start"}, opts).exit_code, 0);
  }
  std::string daemon_log() { return sb().read(sb().cache_dir() + "/logs/daemon.log").value_or(""); }
};

// A second account, created for the test and deleted after it (with whatever it left running).
class OtherUser : public Security {
 protected:
  void SetUp() override {
    Security::SetUp();
    if (IsSkipped()) return;
    skip_unless_root();
    if (IsSkipped()) return;
    std::string useradd = find_in_path("useradd", kAdminPath);
    if (useradd.empty() || find_in_path("setpriv", kAdminPath).empty()) GTEST_SKIP() << "needs useradd and setpriv";
    name_ = "zcctest" + std::to_string(::getpid());
    RunResult r = sb().run({useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name_});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    created_ = true;
    struct passwd* pw = ::getpwnam(name_.c_str());
    ASSERT_NE(pw, nullptr);
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    // Their own corner of the sandbox: reachable through its 0711 root, theirs alone below.
    ASSERT_EQ(::chmod(sb().root().c_str(), 0711), 0);
    home_ = sb().root() + "/other";
    ASSERT_EQ(::mkdir(home_.c_str(), 0700), 0);
    ASSERT_EQ(::chown(home_.c_str(), uid_, gid_), 0);
    std::ofstream(home_ + "/a.c") << kHelloC;
    ASSERT_EQ(::chown((home_ + "/a.c").c_str(), uid_, gid_), 0);
  }
  void TearDown() override {
    if (!created_) return;
    // Their daemon (if a test started one) goes first: userdel refuses a user with processes.
    RunOptions opts;
    opts.env["ZCCACHE_DIR"] = home_ + "/cache";
    if (fs::exists(home_ + "/cache")) as_them({sb().zccache_bin(), "stop"}, opts);
    for (const auto& entry : fs::directory_iterator("/proc")) {
      struct stat st;
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (::stat(entry.path().c_str(), &st) == 0 && st.st_uid == uid_) {
        pid_t pid = static_cast<pid_t>(std::stol(name));
        ::kill(pid, SIGKILL);
        wait_for_exit(pid);
      }
    }
    RunResult r = sb().run({find_in_path("userdel", kAdminPath), name_});
    EXPECT_EQ(r.exit_code, 0) << "could not delete the test user " << name_ << ": " << r.describe();
  }

  // argv run as the other user, in their directory, with HOME there.
  RunResult as_them(const std::vector<std::string>& argv, RunOptions opts = {}) {
    std::vector<std::string> full{"setpriv", "--reuid=" + std::to_string(uid_), "--regid=" + std::to_string(gid_),
                                  "--clear-groups", "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    if (opts.cwd.empty()) opts.cwd = home_;
    opts.env["HOME"] = home_;
    if (!opts.env.count("PATH")) opts.env["PATH"] = std::string(kAdminPath);
    return sb().run(full, opts);
  }
  // Their compile of a.c, bare or through zccache, with opts; returns a.o's bytes.
  FileBytes their_compile(bool through_zccache, RunOptions opts, RunResult* result) {
    std::vector<std::string> argv{cc(), "-c", "a.c", "-o", "a.o"};
    if (through_zccache) argv.insert(argv.begin(), sb().zccache_bin());
    fs::remove(home_ + "/a.o");
    *result = as_them(argv, opts);
    return sb().read(home_ + "/a.o");
  }

  // Their zccache compile of a.c with ZCCACHE_DIR = ours: exits 0 with the bare compile's object,
  // says (ZCCACHE_DEBUG) `refusal` as the reason it ran alone, and leaves our counters as they were.
  void expect_their_build_alone_and_ours_untouched(const std::string& refusal) {
    Counters before = sb().counters();
    RunOptions opts;
    opts.env["ZCCACHE_DIR"] = sb().cache_dir();
    opts.env["ZCCACHE_DEBUG"] = "1";
    RunResult bare_run, cached_run;
    FileBytes bare_obj = their_compile(false, opts, &bare_run);
    FileBytes cached_obj = their_compile(true, opts, &cached_run);
    ASSERT_EQ(bare_run.exit_code, 0) << bare_run.describe();
    EXPECT_EQ(cached_run.exit_code, 0) << cached_run.describe();
    EXPECT_TRUE(same_bytes("their a.o", bare_obj, cached_obj));
    EXPECT_NE(cached_run.err.find(refusal), std::string::npos) << cached_run.err;
    Counters after = sb().counters();
    EXPECT_EQ(after.hits, before.hits) << after.describe();
    EXPECT_EQ(after.misses, before.misses) << after.describe();
    EXPECT_EQ(after.errors, before.errors) << after.describe();
    EXPECT_EQ(after.passthrough, before.passthrough) << after.describe();
  }

  std::string name_;
  bool created_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string home_;
};

// The other user's zccache pointed at our daemon (ZCCACHE_DIR = ours, socket reachable): the
// client sees that the daemon is not its own and compiles alone; our cache is untouched.
TEST_F(OtherUser, TheirClientDoesNotUseOurDaemonAndStillBuilds) {
  sb().write("a.c", kHelloC);
  start_debug_daemon();
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  open_up_socket(sb().root(), sb().cache_dir());
  expect_their_build_alone_and_ours_untouched("runs as uid 0");
}

// The daemon's own check, for a client that does not check (any program can connect): the same
// bytes get an answer from us and none from the other user, and the refusal is logged.
TEST_F(OtherUser, OurDaemonRefusesTheirConnection) {
  start_debug_daemon();
  open_up_socket(sb().root(), sb().cache_dir());
  const std::string socket = sb().cache_dir() + "/run/daemon.sock";
  const std::string not_a_frame = "not a zccache frame";
  ASSERT_GT(bytes_answered_as(0, 0, socket, not_a_frame), 0) << "test premise: the daemon answers garbage";
  EXPECT_EQ(bytes_answered_as(uid_, gid_, socket, not_a_frame), 0) << "the daemon answered another uid";
  EXPECT_NE(daemon_log().find("refused a connection from uid " + std::to_string(uid_)), std::string::npos)
      << daemon_log();
  EXPECT_TRUE(sb().status_json()["daemon_running"].get<bool>());
}

// Without opening anything up, the file modes (0700 cache and run directories, 0600 socket) already
// keep them out; the build goes on.
TEST_F(OtherUser, TheirClientCannotReachOurSocketAndStillBuilds) {
  start_debug_daemon();
  expect_their_build_alone_and_ours_untouched("Permission denied");
}

// The other way round: our client, pointed at a cache directory where their daemon listens, must
// not send it our environment nor run what it says. It builds alone and creates nothing there.
TEST_F(OtherUser, OurClientDoesNotUseTheirDaemon) {
  std::string their_cache = home_ + "/cache";
  RunOptions theirs;
  theirs.env["ZCCACHE_DIR"] = their_cache;
  RunResult started = as_them({sb().zccache_bin(), "start"}, theirs);
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  ASSERT_EQ(::chmod(home_.c_str(), 0711), 0);
  open_up_socket(sb().root(), their_cache);

  sb().write("a.c", kHelloC);
  RunOptions opts;
  opts.env["ZCCACHE_DIR"] = their_cache;
  opts.env["ZCCACHE_DEBUG"] = "1";
  CompileResult b = bare({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
  CompileResult c = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
  EXPECT_EQ(c.run.exit_code, 0) << c.run.describe();
  EXPECT_TRUE(same_bytes("a.o", b.files["a.o"], c.files["a.o"]));
  EXPECT_NE(c.run.err.find("runs as uid " + std::to_string(uid_)), std::string::npos) << c.run.err;

  RunResult status = as_them({sb().zccache_bin(), "status", "--json"}, theirs);
  auto j = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << status.describe();
  EXPECT_EQ(j["misses"], 0u) << "their daemon served our compile: " << j.dump();
  for (const auto& [path, st] : walk(their_cache)) EXPECT_EQ(st.st_uid, uid_) << "we created " << path;
}

// ZCCACHE_DIR a symlink to a directory of another user: refused with one line, nothing written
// there (root could), and the build goes on uncached.
TEST_F(Security, CacheDirSymlinkToAnotherUsersDirIsRefused) {
  skip_unless_root();
  if (IsSkipped()) return;
  std::string theirs = sb().root() + "/theirs";
  ASSERT_EQ(::mkdir(theirs.c_str(), 0777), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  std::string link = sb().root() + "/cache-link";
  ASSERT_EQ(::symlink(theirs.c_str(), link.c_str()), 0);
  RunOptions opts;
  opts.env["ZCCACHE_DIR"] = link;

  RunResult start = sb().zccache({"start"}, opts);
  EXPECT_NE(start.exit_code, 0) << start.describe();
  EXPECT_NE(start.err.find("is a symlink to a directory of uid 65534"), std::string::npos) << start.err;
  EXPECT_EQ(std::count(start.err.begin(), start.err.end(), '\n'), 1) << "one line: " << start.err;

  sb().write("a.c", kHelloC);
  compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);  // quiet: same stderr as bare
  opts.env["ZCCACHE_DEBUG"] = "1";
  CompileResult c = cached({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
  EXPECT_EQ(c.run.exit_code, 0);
  EXPECT_NE(c.run.err.find("not using it"), std::string::npos) << c.run.err;
  EXPECT_TRUE(fs::is_empty(theirs)) << "files were created in the other user's directory";
}

// After compiles of every kind (umask 022, 002 and 000, misses and hits, several sources,
// depfiles, a session), nothing in ZCCACHE_DIR is writable by others, and all of it is ours; not
// even the directory itself when it was made with mode 777.
TEST_F(Security, NothingInTheCacheDirIsWorldWritable) {
  ASSERT_EQ(::mkdir(sb().cache_dir().c_str(), 0777), 0);
  ASSERT_EQ(::chmod(sb().cache_dir().c_str(), 0777), 0);
  sb().write("a.c", kHelloC);
  sb().write("b.c", "int b(void) { return 2; }\n");
  sb().write("c.c", "int c(void) { return 3; }\n");
  sb().write("d.c", "int d(void) { return 4; }\n");
  RunResult session = sb().zccache({"session-start", "--json", "--journal", sb().path("s.jsonl")});
  ASSERT_EQ(session.exit_code, 0) << session.describe();
  for (mode_t mask : {022, 002, 000}) {
    RunOptions opts;
    opts.umask = mask;
    std::string o = "a" + std::to_string(mask) + ".o";
    miss_then_hit({"-c", "a.c", "-DMASK=" + std::to_string(mask), "-o", o}, {o}, opts);
    // Each miss below is stored before the next step: miss_then_hit waits for "one more stored",
    // which a store still pending from here would satisfy before its own miss was stored.
    uint64_t stored = sb().counters().stored;
    compile_both({"-c", "b.c", "c.c", "-DMASK=" + std::to_string(mask)}, {"b.o", "c.o"}, opts);
    ASSERT_TRUE(sb().wait_for_stored(stored + 2)) << sb().counters().describe();
    compile_both({"-c", "b.c", "c.c", "-DMASK=" + std::to_string(mask)}, {"b.o", "c.o"}, opts);
    compile_both({"-MD", "-c", "d.c", "-DMASK=" + std::to_string(mask), "-o", "d.o"}, {"d.o", "d.d"}, opts);
    ASSERT_TRUE(sb().wait_for_stored(stored + 3)) << sb().counters().describe();
  }
  ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);
  auto entries = walk(sb().cache_dir());
  ASSERT_GT(entries.size(), 10u) << "test premise: the cache holds artifacts, index, logs";
  for (const auto& [path, st] : entries) {
    EXPECT_EQ(st.st_mode & S_IWOTH, 0u) << path << " is world-writable (mode " << std::oct << (st.st_mode & 07777) << ")";
    EXPECT_EQ(st.st_uid, ::getuid()) << path;
  }
}

// Secret-looking variables of a compile's environment: their values reach no file, neither in
// ZCCACHE_DIR (journal, daemon log with ZCCACHE_DEBUG, index) nor a session's journal or log.
TEST_F(Security, SecretValuesReachNoFile) {
  start_debug_daemon();
  sb().write("a.c", kHelloC);
  sb().write("b.c", "int b(void) { return 2; }\n");
  sb().write("bad.c", "int broken(void) { return nope; }\n");
  RunResult session = sb().zccache(
      {"session-start", "--json", "--journal", sb().path("s.jsonl"), "--log", sb().path("s.log")});
  ASSERT_EQ(session.exit_code, 0) << session.describe();
  auto id = nlohmann::json::parse(session.out, nullptr, false);
  ASSERT_TRUE(id.is_object()) << session.out;
  const std::vector<std::string> secrets{"tok-5ecret-value", "aws-5ecret-value", "pw-5ecret-value"};
  RunOptions opts;
  opts.env["MY_API_TOKEN"] = secrets[0];
  opts.env["AWS_SECRET_ACCESS_KEY"] = secrets[1];
  opts.env["DB_PASSWORD"] = secrets[2];
  opts.env["ZCCACHE_SESSION_ID"] = id["session_id"].get<std::string>();
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
  compile_both({"-c", "a.c", "b.c"}, {"a.o", "b.o"}, opts);
  compile_both({"-c", "bad.c", "-o", "bad.o"}, {"bad.o"}, opts);
  ASSERT_EQ(sb().zccache({"session-end", id["session_id"].get<std::string>()}).exit_code, 0);
  ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);  // flushes the journals

  std::string journal = sb().read(sb().cache_dir() + "/logs/compile_journal.jsonl").value_or("");
  ASSERT_NE(journal.find("MY_API_TOKEN"), std::string::npos) << "test premise: the journal lists the variables";
  std::vector<std::string> files{sb().path("s.jsonl"), sb().path("s.log")};
  for (const auto& [path, st] : walk(sb().cache_dir())) {
    if (S_ISREG(st.st_mode)) files.push_back(path);
  }
  for (const std::string& f : files) {
    std::string text = sb().read(f).value_or("");
    for (const std::string& s : secrets) EXPECT_EQ(text.find(s), std::string::npos) << s << " is in " << f;
  }
}

// VmHWM (peak resident set) of a process, in kB.
long peak_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A frame header is 12 bytes: magic "ZCC1", version 1, type, payload length (little-endian).
std::string frame_header(uint16_t type, uint32_t length) {
  std::string h = "1CCZ";  // 0x5A434331 little-endian
  for (uint16_t v : {uint16_t{1}, type}) h += {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  for (int i = 0; i < 4; ++i) h += static_cast<char>((length >> (8 * i)) & 0xff);
  return h;
}

// A client may claim a payload of up to the 256 MiB limit and send a trickle: the daemon's memory
// grows with what arrives, not with the claim; past the limit it answers an error. It keeps serving.
TEST_F(Security, ClaimedFrameLengthAllocatesNothing) {
  sb().write("a.c", kHelloC);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_TRUE(pid);
  long before = peak_rss_kb(*pid);
  ASSERT_GT(before, 0);

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", (sb().cache_dir() + "/run/daemon.sock").c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string claim = frame_header(1, 256u << 20) + std::string(1 << 20, 'x');
  // send() returns once the daemon has read all but a socket buffer of it.
  ASSERT_EQ(::send(fd, claim.data(), claim.size(), MSG_NOSIGNAL), static_cast<ssize_t>(claim.size()));
  long during = peak_rss_kb(*pid);
  ::close(fd);
  EXPECT_LT(during - before, 32 * 1024) << "the daemon's peak RSS went from " << before << " to " << during << " kB";

  const std::string socket = sb().cache_dir() + "/run/daemon.sock";
  EXPECT_GT(bytes_answered_as(::getuid(), ::getgid(), socket, frame_header(1, 0xffffffffu)), 0)
      << "no error reply to a frame over the limit";
  EXPECT_EQ(sb().status_pid(), pid);
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

}  // namespace
}  // namespace zccache::e2e
