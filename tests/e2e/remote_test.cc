// The remote tier (issue 10) against real servers started on loopback ports: redis-server, and
// nginx with WebDAV PUT. "Machine A" and "machine B" are two sandboxes, each with its own
// ZCCACHE_DIR, daemon and checkout (at different absolute paths). Every compile through zccache is
// compared byte for byte with a bare compile of the same checkout.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "compiler_test.h"
#include "remote_checks.h"
#include "remote_servers.h"
#include "sandbox.h"

namespace zccache::e2e {
namespace {

const char* backend_name(Backend b) { return b == Backend::kRedis ? "redis" : "http"; }

// Generous timeouts: the shared CI machine may stall a loopback request for a while, and these
// tests are about sharing, not about timeouts (SlowServer is).
constexpr const char* kPatient = "connect-timeout=5000&timeout=5000";

class RemoteTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!CacheServer::installed(GetParam()))
      GTEST_SKIP() << CacheServer::binary(GetParam()) << " is not installed (./test installs it)";
    if (!compilers_installed(kGcc)) GTEST_SKIP() << "gcc is not installed";
    a_ = std::make_unique<Sandbox>();
    b_ = std::make_unique<Sandbox>();
    std::string why;
    server_ = CacheServer::start(GetParam(), a_->root() + "/server", &why);
    ASSERT_TRUE(server_) << why;
    write_project(*a_);
    write_project(*b_);
  }

  static void write_project(Sandbox& sb) {
    sb.write("proj/include/util.h", "#pragma once\nint twice(int x);\n#define GREETING \"hello\"\n");
    sb.write("proj/src/main.c",
             "#include <stdio.h>\n#include \"util.h\"\nint main(void) { printf(\"%s %d\\n\", GREETING, twice(21)); "
             "return 0; }\n");
    sb.write("proj/src/util.c", "#include \"util.h\"\nint twice(int x) { return 2 * x; }\n");
  }

  // One source of the project: compile arguments (relative paths, run in proj/) and its object.
  static Args args_for(const std::string& stem) {
    return {"-O2", "-Iinclude", "-c", "src/" + stem + ".c", "-o", stem + ".o"};
  }

  static RunOptions with_remote(const std::string& url, EnvChanges extra = {}) {
    RunOptions opts;
    opts.cwd = "proj";
    opts.env = std::move(extra);
    opts.env["ZCCACHE_REMOTE"] = url;
    return opts;
  }

  static CompileResult bare(Sandbox& sb, const std::string& stem) {
    Args argv{"gcc"};
    for (const auto& a : args_for(stem)) argv.push_back(a);
    RunOptions opts;
    opts.cwd = "proj";
    return sb.compile(argv, {stem + ".o"}, opts);
  }

  static CompileResult cached(Sandbox& sb, const std::string& stem, const RunOptions& opts) {
    Args argv{sb.zccache_bin(), "gcc"};
    for (const auto& a : args_for(stem)) argv.push_back(a);
    return sb.compile(argv, {stem + ".o"}, opts);
  }

  // Bare, then through zccache; both must succeed and be identical.
  static void compile_and_compare(Sandbox& sb, const std::string& stem, const RunOptions& opts) {
    CompileResult expected = bare(sb, stem);
    ASSERT_EQ(expected.run.exit_code, 0) << expected.run.describe();
    ASSERT_TRUE(expected.files.at(stem + ".o")) << "no object to compare";
    CompileResult got = cached(sb, stem, opts);
    ASSERT_EQ(got.run.exit_code, 0) << got.run.describe();
    expect_same_compile(expected, got, stem);
  }

  // The journal's lines, after `zccache stop`.
  static std::vector<nlohmann::json> journal(Sandbox& sb) { return stopped_journal(sb); }
  // The lines with `outcome` whose arguments name src/<stem>.c.
  static std::vector<nlohmann::json> lines_for(const std::vector<nlohmann::json>& lines, const std::string& outcome,
                                               const std::string& stem) {
    return e2e::lines_for(lines, outcome, "src/" + stem + ".c");
  }
  // The URL a journal line must show for the server: its redacted form, without options.
  std::string shown_url() const { return server_->url().substr(0, server_->url().find('?')); }

  // Machine A compiles both sources (misses) and uploads them.
  void fill_from_a(const std::string& url) {
    for (const char* stem : {"main", "util"}) compile_and_compare(*a_, stem, with_remote(url));
    ASSERT_TRUE(a_->wait_for_stored(2)) << a_->counters().describe();
    ASSERT_TRUE(wait_for_uploads(*a_, 2)) << a_->status_json().dump() << "\n" << server_->log();
  }

  std::unique_ptr<Sandbox> a_, b_;
  std::unique_ptr<CacheServer> server_;
};

TEST_P(RemoteTest, SecondMachineGetsRemoteHitsIdenticalToBare) {
  fill_from_a(server_->url(kPatient));
  EXPECT_FALSE(server_->names().empty());
  ASSERT_NE(a_->root(), b_->root());  // the checkouts sit at different absolute paths
  for (const char* stem : {"main", "util"}) compile_and_compare(*b_, stem, with_remote(server_->url(kPatient)));
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  EXPECT_EQ(remote_count(*b_, "hits"), 2u) << b_->status_json().dump();
  EXPECT_GT(remote_count(*b_, "bytes_down"), 0u);
  // Stored locally: the next compile is a local hit and asks the remote nothing.
  uint64_t requests = remote_count(*b_, "requests");
  compile_and_compare(*b_, "main", with_remote(server_->url(kPatient)));
  EXPECT_EQ(b_->counters().hits, 3u);
  EXPECT_EQ(remote_count(*b_, "requests"), requests);

  // The journals: A's misses asked the remote (a miss) and were uploaded; B's first compiles were
  // remote hits, its last a local hit that asked no remote.
  auto a_lines = journal(*a_);
  for (const char* stem : {"main", "util"}) {
    auto misses = lines_for(a_lines, "miss", stem);
    ASSERT_EQ(misses.size(), 1u) << stem;
    ASSERT_TRUE(misses[0].contains("remote")) << misses[0].dump();
    EXPECT_EQ(misses[0]["remote"][0]["url"], shown_url());
    EXPECT_EQ(misses[0]["remote"][0]["outcome"], "miss");
    EXPECT_FALSE(misses[0].contains("upload")) << "not read-only";
    auto uploads = lines_for(a_lines, "upload", stem);
    ASSERT_EQ(uploads.size(), 1u) << stem;
    EXPECT_EQ(uploads[0]["remote"][0]["outcome"], "uploaded") << uploads[0].dump();
    EXPECT_GT(uploads[0]["remote"][0]["latency_ns"].get<int64_t>(), 0);
    EXPECT_TRUE(uploads[0]["exit_code"].is_null());
  }
  auto b_lines = journal(*b_);
  auto main_hits = lines_for(b_lines, "hit", "main");
  ASSERT_EQ(main_hits.size(), 2u);
  ASSERT_TRUE(main_hits[0].contains("remote")) << main_hits[0].dump();
  EXPECT_EQ(main_hits[0]["remote"][0]["url"], shown_url());
  EXPECT_EQ(main_hits[0]["remote"][0]["outcome"], "hit");
  EXPECT_GT(main_hits[0]["remote"][0]["latency_ns"].get<int64_t>(), 0);
  EXPECT_FALSE(main_hits[0]["remote"][0].contains("error"));
  EXPECT_FALSE(main_hits[1].contains("remote")) << "a local hit asks no remote: " << main_hits[1].dump();
  EXPECT_TRUE(lines_for(b_lines, "upload", "main").empty()) << "a hit uploads nothing";

  // The remote's counters survive the daemon's restart (as the local ones do).
  compile_and_compare(*b_, "util", with_remote(server_->url(kPatient)));  // local hit, new daemon
  EXPECT_EQ(b_->counters().hits, 4u);
  EXPECT_EQ(remote_count(*b_, "hits"), 2u) << b_->status_json().dump();
  EXPECT_EQ(remote_count(*b_, "requests"), requests);
  EXPECT_GT(remote_count(*b_, "bytes_down"), 0u);
  ASSERT_EQ(b_->zccache({"stats", "--zero"}).exit_code, 0);
  EXPECT_EQ(remote_count(*b_, "hits"), 0u);
}

TEST_P(RemoteTest, MultiSourceCompileGetsRemoteHitsPerSource) {
  fill_from_a(server_->url(kPatient));  // each source compiled alone on A
  Args argv{"-O2", "-Iinclude", "-c", "src/main.c", "src/util.c"};
  std::vector<std::string> outputs{"main.o", "util.o"};
  RunOptions opts = with_remote(server_->url(kPatient));
  Args bare_argv{"gcc"}, cached_argv{b_->zccache_bin(), "gcc"};
  bare_argv.insert(bare_argv.end(), argv.begin(), argv.end());
  cached_argv.insert(cached_argv.end(), argv.begin(), argv.end());
  RunOptions bare_opts;
  bare_opts.cwd = "proj";
  CompileResult expected = b_->compile(bare_argv, outputs, bare_opts);
  ASSERT_EQ(expected.run.exit_code, 0) << expected.run.describe();
  ASSERT_TRUE(expected.files.at("util.o"));
  // In a session with its own journal, which shows the remote hits as the global one does.
  const std::string session_journal = b_->path("session.jsonl");
  RunResult started = b_->zccache({"session-start", "--json", "--journal", session_journal}, opts);
  ASSERT_EQ(started.exit_code, 0) << started.describe();
  opts.env["ZCCACHE_SESSION_ID"] = nlohmann::json::parse(started.out)["session_id"].get<std::string>();
  CompileResult got = b_->compile(cached_argv, outputs, opts);
  expect_same_compile(expected, got, "multi");
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  EXPECT_EQ(remote_count(*b_, "hits"), 2u);
  ASSERT_EQ(b_->zccache({"session-end", *opts.env["ZCCACHE_SESSION_ID"]}).exit_code, 0);
  FileBytes text = b_->read(session_journal);
  ASSERT_TRUE(text);
  size_t lines = 0;
  for (size_t pos = 0, end; (end = text->find('\n', pos)) != std::string::npos; pos = end + 1, ++lines) {
    auto j = nlohmann::json::parse(text->substr(pos, end - pos));
    EXPECT_EQ(j["outcome"], "hit") << j.dump();
    ASSERT_TRUE(j.contains("remote")) << j.dump();
    EXPECT_EQ(j["remote"][0]["outcome"], "hit") << j.dump();
    EXPECT_EQ(j["remote"][0]["url"], shown_url());
  }
  EXPECT_EQ(lines, 2u) << "one line per source: " << *text;
}

TEST_P(RemoteTest, ReadOnlyModeUploadsNothing) {
  RunOptions opts = with_remote(server_->url(kPatient), {{"ZCCACHE_REMOTE_ONLY_READ", "1"}});
  for (const char* stem : {"main", "util"}) compile_and_compare(*a_, stem, opts);
  ASSERT_TRUE(a_->wait_for_stored(2));
  // `stop` lets the uploader finish its queue: whatever it would have uploaded is on the server now.
  auto lines = journal(*a_);  // `stop` lets the uploader finish: whatever it would upload is on the server
  EXPECT_TRUE(server_->names().empty()) << server_->names().size() << " names, first " << server_->names()[0];
  for (const char* stem : {"main", "util"}) {
    auto misses = lines_for(lines, "miss", stem);
    ASSERT_EQ(misses.size(), 1u) << stem;
    EXPECT_EQ(misses[0]["upload"], "read_only") << misses[0].dump();
    EXPECT_EQ(misses[0]["remote"][0]["outcome"], "miss") << "read-only still looks up";
    EXPECT_TRUE(lines_for(lines, "upload", stem).empty());
  }
  compile_and_compare(*b_, "main", with_remote(server_->url(kPatient)));
  EXPECT_EQ(b_->counters().misses, 1u);
  EXPECT_EQ(remote_count(*b_, "hits"), 0u);
}

// -march=native: the same command line gives another CPU another object, so the result stays in
// the local cache: no remote is asked, nothing is uploaded, and the journal says why.
TEST_P(RemoteTest, HostSpecificCompileStaysLocal) {
  const Args argv{"-O2", "-march=native", "-Iinclude", "-c", "src/main.c", "-o", "main.o"};
  auto both = [&](Sandbox& sb) {
    Args bare_argv{"gcc"}, cached_argv{sb.zccache_bin(), "gcc"};
    bare_argv.insert(bare_argv.end(), argv.begin(), argv.end());
    cached_argv.insert(cached_argv.end(), argv.begin(), argv.end());
    RunOptions bare_opts;
    bare_opts.cwd = "proj";
    CompileResult expected = sb.compile(bare_argv, {"main.o"}, bare_opts);
    ASSERT_EQ(expected.run.exit_code, 0) << expected.run.describe();
    CompileResult got = sb.compile(cached_argv, {"main.o"}, with_remote(server_->url(kPatient)));
    expect_same_compile(expected, got, "native");
  };
  both(*a_);
  ASSERT_TRUE(a_->wait_for_stored(1));
  both(*a_);
  EXPECT_EQ(a_->counters().hits, 1u) << "cached locally as ever: " << a_->counters().describe();
  auto lines = journal(*a_);
  EXPECT_TRUE(server_->names().empty()) << "uploaded: " << server_->names()[0];
  auto misses = lines_for(lines, "miss", "main");
  ASSERT_EQ(misses.size(), 1u);
  EXPECT_EQ(misses[0]["upload"], "host_specific") << misses[0].dump();
  ASSERT_TRUE(misses[0].contains("remote")) << misses[0].dump();
  EXPECT_EQ(misses[0]["remote"][0]["outcome"], "skipped") << misses[0].dump();
  EXPECT_TRUE(lines_for(lines, "upload", "main").empty());
  both(*b_);
  EXPECT_EQ(b_->counters().misses, 1u) << b_->counters().describe();
  EXPECT_EQ(remote_count(*b_, "requests"), 0u) << b_->status_json().dump();
}

TEST_P(RemoteTest, ServerKilledMidBuildNeverFailsIt) {
  fill_from_a(server_->url(kPatient));
  RunOptions opts = with_remote(server_->url(kPatient));  // a killed server refuses at once anyway
  compile_and_compare(*b_, "main", opts);
  EXPECT_EQ(b_->counters().hits, 1u);
  server_->kill();
  compile_and_compare(*b_, "util", opts);  // remote gone: compiled, stored locally
  compile_and_compare(*b_, "main", opts);  // still a local hit
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 2u) << c.describe();
  EXPECT_EQ(c.misses, 1u) << c.describe();
  EXPECT_GE(remote_count(*b_, "errors") + remote_count(*b_, "timeouts"), 1u) << b_->status_json().dump();
  // The journal says what the dead server did to the compile that missed: an error with its text.
  auto lines = journal(*b_);
  auto misses = lines_for(lines, "miss", "util");
  ASSERT_EQ(misses.size(), 1u);
  ASSERT_TRUE(misses[0].contains("remote")) << misses[0].dump();
  EXPECT_EQ(misses[0]["remote"][0]["url"], shown_url());
  EXPECT_NE(misses[0]["remote"][0]["outcome"], "miss") << misses[0].dump();
  EXPECT_NE(misses[0]["remote"][0]["outcome"], "hit") << misses[0].dump();
  EXPECT_FALSE(misses[0]["remote"][0].value("error", "").empty()) << misses[0].dump();
  auto uploads = lines_for(lines, "upload", "util");
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_NE(uploads[0]["remote"][0]["outcome"], "uploaded") << uploads[0].dump();
}

TEST_P(RemoteTest, ServerAnsweringErrorsNeverFailsABuild) {
  std::string why;
  // Redis: a server with a password, asked without it, refuses every command (NOAUTH).
  auto server = CacheServer::start(GetParam(), a_->root() + "/locked", &why, "s3cret");
  ASSERT_TRUE(server) << why;
  RunOptions opts = with_remote(server->error_url(kPatient));
  compile_and_compare(*a_, "main", opts);
  ASSERT_TRUE(a_->wait_for_stored(1));
  compile_and_compare(*a_, "main", opts);  // the local cache works as without a remote
  Counters c = a_->counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 1u) << c.describe();
  EXPECT_EQ(c.errors, 0u) << "a remote's errors are its own, not the cache's: " << c.describe();
  nlohmann::json r = remote_status(*a_);
  EXPECT_GE(r.value("errors", 0), 1) << r.dump();
  EXPECT_EQ(r.value("hits", 1), 0) << r.dump();
  EXPECT_EQ(r.value("uploads", 1), 0) << r.dump();
  // Each compile's journal line carries the server's error: the miss's lookup, and its upload.
  auto lines = journal(*a_);
  auto misses = lines_for(lines, "miss", "main");
  ASSERT_EQ(misses.size(), 1u);
  ASSERT_TRUE(misses[0].contains("remote")) << misses[0].dump();
  EXPECT_EQ(misses[0]["remote"][0]["outcome"], "error") << misses[0].dump();
  EXPECT_FALSE(misses[0]["remote"][0].value("error", "").empty()) << misses[0].dump();
  auto hits = lines_for(lines, "hit", "main");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_FALSE(hits[0].contains("remote")) << hits[0].dump();
  auto uploads = lines_for(lines, "upload", "main");
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0]["remote"][0]["outcome"], "error") << uploads[0].dump();
}

TEST_P(RemoteTest, CorruptedRemoteEntryIsDetectedAndNotServed) {
  fill_from_a(server_->url(kPatient));
  server_->corrupt_artifacts();
  for (const char* stem : {"main", "util"}) compile_and_compare(*b_, stem, with_remote(server_->url(kPatient)));
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 2u) << c.describe();
  EXPECT_GE(remote_count(*b_, "errors"), 2u) << b_->status_json().dump();
}

TEST_P(RemoteTest, CredentialsNeverReachStatusConfigLogOrJournal) {
  const std::string password = "pw-0e4f9a";
  std::string why;
  auto server = CacheServer::start(GetParam(), a_->root() + "/auth", &why, password);
  ASSERT_TRUE(server) << why;
  // For nginx the credentials travel in an Authorization header it ignores; for redis, AUTH.
  std::string url = GetParam() == Backend::kRedis ? server->url(kPatient)
                                                  : "http://user:" + password + "@127.0.0.1:" +
                                                        std::to_string(server->port()) + "/cache/?" + kPatient;
  ASSERT_NE(url.find(password), std::string::npos);
  RunOptions opts = with_remote(url, {{"ZCCACHE_DEBUG", "1"}});
  compile_and_compare(*a_, "main", opts);
  ASSERT_TRUE(a_->wait_for_stored(1));
  ASSERT_TRUE(wait_for_uploads(*a_, 1)) << a_->status_json().dump();  // the credentials worked
  // A compile whose ZCCACHE_REMOTE differs from the daemon's puts it in the journal's env.
  RunOptions other = with_remote(url + "&timeout=4000", {{"ZCCACHE_DEBUG", "1"}});
  compile_and_compare(*a_, "main", other);
  compile_and_compare(*a_, "util", with_remote("http://127.0.0.1:1/nothing/", {{"ZCCACHE_DEBUG", "1"}}));
  std::string status = a_->zccache({"status"}, opts).out + a_->zccache({"status", "--json"}, opts).out;
  std::string config = a_->zccache({"config"}, opts).out + a_->zccache({"config", "remote"}, opts).out;
  EXPECT_NE(status.find("***@127.0.0.1"), std::string::npos) << status;
  EXPECT_NE(config.find("***@127.0.0.1"), std::string::npos) << config;
  ASSERT_EQ(a_->zccache({"stop"}).exit_code, 0);
  FileBytes log = a_->read(a_->cache_dir() + "/logs/daemon.log");
  FileBytes journal = a_->read(a_->cache_dir() + "/logs/compile_journal.jsonl");
  ASSERT_TRUE(journal);
  EXPECT_NE(journal->find("ZCCACHE_REMOTE"), std::string::npos) << *journal;
  // The lookup and the upload are journalled with the URL, redacted.
  EXPECT_NE(journal->find("\"url\":\"" + std::string(GetParam() == Backend::kRedis ? "redis" : "http") + "://***@127.0.0.1"),
            std::string::npos)
      << *journal;
  for (const auto& [what, text] : {std::pair<std::string, std::string>{"status", status},
                                   {"config", config},
                                   {"daemon.log", log.value_or("")},
                                   {"journal", *journal}}) {
    EXPECT_EQ(text.find(password), std::string::npos) << what << " holds the password:\n" << text;
  }
}

TEST_P(RemoteTest, ConfigFileNamesTheRemote) {
  RunOptions opts;
  opts.cwd = "proj";
  ASSERT_EQ(a_->zccache({"config", "remote", server_->url(kPatient)}, opts).exit_code, 0);
  EXPECT_EQ(a_->zccache({"config", "remote", "ftp://nope"}, opts).exit_code, 2);
  for (const char* stem : {"main", "util"}) compile_and_compare(*a_, stem, opts);
  ASSERT_TRUE(a_->wait_for_stored(2));
  ASSERT_TRUE(wait_for_uploads(*a_, 2)) << a_->status_json().dump();
  ASSERT_EQ(b_->zccache({"config", "remote", server_->url(kPatient)}, opts).exit_code, 0);
  ASSERT_EQ(b_->zccache({"config", "remote-only-read", "true"}, opts).exit_code, 0);
  compile_and_compare(*b_, "main", opts);
  EXPECT_EQ(b_->counters().hits, 1u);
  EXPECT_EQ(b_->status_json()["remote"]["read_only"], true);
}

// ZCCACHE_BASEDIR: absolute paths (as CMake writes them) under each checkout, with a prefix map
// that keeps them out of the object (basedir.h), share entries; without ZCCACHE_BASEDIR, or when a
// diagnostic names the checkout, they do not, and every result still equals bare.
TEST_P(RemoteTest, BasedirSharesAbsolutePathBuildsAcrossCheckouts) {
  a_->write("proj/src/warn.c", "int f(void) { int unused; return 0; }\n");
  b_->write("proj/src/warn.c", "int f(void) { int unused; return 0; }\n");
  auto argv_for = [](Sandbox& sb, const std::string& stem, bool through_zccache) {
    std::string proj = sb.path("proj");
    Args argv;
    if (through_zccache) argv.push_back(sb.zccache_bin());
    for (const std::string& a : {std::string("gcc"), std::string("-O2"), std::string("-g"), std::string("-Wall"),
                                 "-I" + proj + "/include", "-ffile-prefix-map=" + proj + "=.", std::string("-c"),
                                 proj + "/src/" + stem + ".c", std::string("-o"), stem + ".o"})
      argv.push_back(a);
    return argv;
  };
  auto both = [&](Sandbox& sb, const std::string& stem, bool basedir) {
    RunOptions opts = with_remote(server_->url(kPatient));
    if (basedir) opts.env["ZCCACHE_BASEDIR"] = sb.path("proj");
    RunOptions bare_opts;
    bare_opts.cwd = "proj";
    CompileResult expected = sb.compile(argv_for(sb, stem, false), {stem + ".o"}, bare_opts);
    ASSERT_EQ(expected.run.exit_code, 0) << expected.run.describe();
    ASSERT_TRUE(expected.files.at(stem + ".o")) << "no object to compare";
    CompileResult got = sb.compile(argv_for(sb, stem, true), {stem + ".o"}, opts);
    ASSERT_EQ(got.run.exit_code, 0) << got.run.describe();
    expect_same_compile(expected, got, stem);
  };
  both(*a_, "main", true);   // relocated
  both(*a_, "util", false);  // keeps its paths
  both(*a_, "warn", true);   // relocated, but its warning names the checkout: not stored
  ASSERT_TRUE(a_->wait_for_stored(2)) << a_->counters().describe();
  ASSERT_TRUE(wait_for_uploads(*a_, 2)) << a_->status_json().dump();
  EXPECT_EQ(a_->counters().stored, 2u) << "the warning names the checkout: not stored";

  ASSERT_NE(a_->path("proj"), b_->path("proj"));
  both(*b_, "main", true);
  EXPECT_EQ(b_->counters().hits, 1u) << b_->counters().describe();
  // The entry checks this checkout's headers, not the other's (which still exist, unchanged).
  b_->write("proj/include/util.h", "#pragma once\nint twice(int x);\n#define GREETING \"hola\"\n");
  both(*b_, "main", true);
  EXPECT_EQ(b_->counters().misses, 1u) << b_->counters().describe();
  both(*b_, "util", false);
  both(*b_, "warn", true);
  Counters c = b_->counters();
  EXPECT_EQ(c.hits, 1u) << c.describe();
  EXPECT_EQ(c.misses, 3u) << c.describe();
  EXPECT_EQ(remote_count(*b_, "hits"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, RemoteTest, ::testing::Values(Backend::kRedis, Backend::kHttp),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

// A server that accepts connections and never answers: every request runs into its timeout, the
// breaker opens, and the build goes on as without a remote.
class SlowRemoteTest : public ::testing::TestWithParam<Backend> {};

TEST_P(SlowRemoteTest, TimesOutAndBuildsMatchBare) {
  if (!compilers_installed(kGcc)) GTEST_SKIP() << "gcc is not installed";
  Sandbox sb;
  auto silent = start_silent_server(sb.root() + "/silent");
  if (!silent) GTEST_SKIP() << "python3 is not installed";
  std::string port = std::to_string(silent->port());
  std::string url = GetParam() == Backend::kRedis ? "redis://127.0.0.1:" + port + "/0?timeout=100"
                                                  : "http://127.0.0.1:" + port + "/c/?timeout=100";
  sb.write("a.c", "int a(void) { return 1; }\n");
  sb.write("b.c", "int b(void) { return 2; }\n");
  RunOptions opts;
  opts.env["ZCCACHE_REMOTE"] = url;
  for (const char* src : {"a", "b", "a"}) {
    std::string s = src;
    CompileResult expected = sb.compile({"gcc", "-c", s + ".c", "-o", s + ".o"}, {s + ".o"});
    ASSERT_TRUE(expected.files.at(s + ".o")) << "no object to compare";
    CompileResult got = sb.compile({sb.zccache_bin(), "gcc", "-c", s + ".c", "-o", s + ".o"}, {s + ".o"}, opts);
    ASSERT_EQ(got.run.exit_code, 0) << got.run.describe();
    expect_same_compile(expected, got, s);
    if (s == "a") {
      ASSERT_TRUE(sb.wait_for_stored(1));
    }
  }
  nlohmann::json j = sb.status_json();
  ASSERT_TRUE(j.contains("remote")) << j.dump();
  EXPECT_GE(j["remote"]["servers"][0]["timeouts"].get<uint64_t>(), 1u) << j.dump();
  EXPECT_EQ(j["hits"], 1u) << j.dump();
}

INSTANTIATE_TEST_SUITE_P(Backends, SlowRemoteTest, ::testing::Values(Backend::kRedis, Backend::kHttp),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

}  // namespace
}  // namespace zccache::e2e
