// Sessions (session-start / session-stats / session-end, ZCCACHE_SESSION_ID) and the compile
// journal (ZCCACHE_DIR/logs/compile_journal.jsonl and a session's --journal / --log files).
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class SessionJournal : public CompilerTest {
 protected:
  void SetUp() override {
    CompilerTest::SetUp();
    if (IsSkipped()) return;
    for (int i = 0; i < 4; ++i) write_source(i);
  }
  void write_source(int n) {
    sb().write("s" + std::to_string(n) + ".c",
               "int f" + std::to_string(n) + "(int x) { return x * " + std::to_string(n) + " + 3; }\n");
  }
  Args compile_args(int n) { return {cc(), "-c", "s" + std::to_string(n) + ".c", "-o", "s" + std::to_string(n) + ".o"}; }
  static RunOptions in_session(const std::string& id) {
    RunOptions opts;
    opts.env["ZCCACHE_SESSION_ID"] = id;
    return opts;
  }
  // Starts a session; returns its id (from --json output).
  std::string start_session(const Args& options = {}, const RunOptions& opts = {}) {
    Args args{"session-start", "--json"};
    args.insert(args.end(), options.begin(), options.end());
    RunResult r = sb().zccache(args, opts);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object() && j["session_id"].is_string()) << r.out;
    return j.is_object() && j["session_id"].is_string() ? j["session_id"].get<std::string>() : "";
  }
  nlohmann::json session_json(const char* command, const std::string& id) {
    RunResult r = sb().zccache({command, id});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out;
    return j;
  }
  // Compiles through zccache; expects `exit_code`.
  void compile(const Args& argv, const RunOptions& opts = {}, int exit_code = 0) {
    RunResult r = sb().zccache(argv, opts);
    ASSERT_EQ(r.exit_code, exit_code) << r.describe();
  }
  static std::vector<nlohmann::json> json_lines(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
      out.push_back(j);
    }
    return out;
  }
  std::string journal_path() { return sb().cache_dir() + "/logs/compile_journal.jsonl"; }
  // `zccache stop` writes every queued line before the daemon exits.
  void stop_daemon() { ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0); }

  // Every field of the documented format, with its type.
  static void expect_complete_line(const nlohmann::json& j) {
    SCOPED_TRACE(j.dump());
    ASSERT_TRUE(j.is_object());
    ASSERT_TRUE(j["ts"].is_string());
    EXPECT_TRUE(std::regex_match(j["ts"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    ASSERT_TRUE(j["outcome"].is_string());
    const std::string outcome = j["outcome"];
    EXPECT_TRUE(outcome == "hit" || outcome == "miss" || outcome == "error" || outcome == "passthrough");
    EXPECT_EQ(j.contains("reason"), outcome == "passthrough");
    ASSERT_TRUE(j["compiler"].is_string());
    EXPECT_EQ(j["compiler"].get<std::string>()[0], '/') << "a full path";
    EXPECT_TRUE(j["args"].is_array() && !j["args"].empty());
    EXPECT_TRUE(j["cwd"].is_string());
    if (j.contains("env")) {
      ASSERT_TRUE(j["env"].is_array());
      for (const auto& pair : j["env"]) EXPECT_TRUE(pair.is_array() && pair.size() == 2 && pair[0].is_string());
    }
    EXPECT_TRUE(j.contains("exit_code"));
    EXPECT_EQ(j["exit_code"].is_null(), outcome == "passthrough");
    EXPECT_TRUE(j.contains("session_id"));
    EXPECT_TRUE(j["latency_ns"].is_number_integer() && j["latency_ns"].get<int64_t>() > 0);
  }
};

TEST_P(SessionJournal, TwoConcurrentSessionsCountSeparately) {
  std::string a = start_session();
  std::string b = start_session();
  ASSERT_FALSE(a.empty());
  ASSERT_NE(a, b);
  // Session a: s0 and s1 miss, then hit. Session b, at the same time: s2 and s3 miss, s2 hits,
  // and one link passes through. A compile outside any session counts in neither.
  // Two phases, each with both sessions compiling at once: the misses, then (once all four are
  // stored, so that no hit depends on which session's store came first) the hits.
  std::thread ta([&] {
    for (int n : {0, 1}) compile(compile_args(n), in_session(a));
  });
  std::thread tb([&] {
    for (int n : {2, 3}) compile(compile_args(n), in_session(b));
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(sb().wait_for_stored(4)) << sb().counters().describe();
  std::thread ta2([&] {
    for (int n : {0, 1}) compile(compile_args(n), in_session(a));
  });
  std::thread tb2([&] {
    compile(compile_args(2), in_session(b));
    // -flto: a link the cache passes through (links of plain objects are cached, link_test.cc).
    compile({cc(), "s2.o", "-shared", "-o", "lib.so", "-flto"}, in_session(b));
  });
  ta2.join();
  tb2.join();
  compile(compile_args(3));  // no session

  nlohmann::json sa = session_json("session-stats", a);
  EXPECT_EQ(sa["hits"], 2) << sa;
  EXPECT_EQ(sa["misses"], 2) << sa;
  EXPECT_EQ(sa["passthrough"].size(), 0u) << sa;
  EXPECT_GT(sa["bytes_delivered"].get<uint64_t>(), 0u) << sa;
  EXPECT_EQ(sa["slowest_misses"].size(), 2u) << sa;
  nlohmann::json sb_json = session_json("session-end", b);
  EXPECT_EQ(sb_json["hits"], 1) << sb_json;
  EXPECT_EQ(sb_json["misses"], 2) << sb_json;
  EXPECT_EQ(sb_json["errors"], 0) << sb_json;
  EXPECT_EQ(sb_json["passthrough"]["link_unsupported"], 1) << sb_json;
  EXPECT_EQ(sb_json["ended"], true);
  for (const char* key : {"compile_time_saved_ms", "bytes_delivered", "duration_ms"}) {
    EXPECT_TRUE(sb_json[key].is_number()) << key << " in " << sb_json;
  }
  ASSERT_EQ(sb_json["slowest_misses"].size(), 2u) << sb_json;
  for (const auto& m : sb_json["slowest_misses"]) {
    EXPECT_TRUE(m["duration_ms"].is_number()) << m;
    EXPECT_TRUE(m["source"] == "s2.c" || m["source"] == "s3.c") << m;
    EXPECT_TRUE(m["args"].is_array()) << m;
  }
  // Ending b leaves a counting.
  compile(compile_args(0), in_session(a));
  EXPECT_EQ(session_json("session-end", a)["hits"], 3);
}

TEST_P(SessionJournal, SessionAndGlobalJournalLinesHaveEveryField) {
  sb().make_dir("sub");
  RunOptions from_sub;
  from_sub.cwd = "sub";
  // Relative paths resolve against the caller's directory.
  std::string id = start_session({"--journal", "s.jsonl", "--log", "s.log"}, from_sub);
  ASSERT_FALSE(id.empty());
  RunOptions s = in_session(id);
  compile(compile_args(0), s);                                   // miss
  sb().wait_for_stored(1);
  compile(compile_args(0), s);                                   // hit
  compile({cc(), "-c", "s1.c", "s2.c"}, s);                      // two misses, one line each
  compile({cc(), "s0.o", "-shared", "-o", "lib.so", "-flto"}, s);  // passthrough (LTO link)
  sb().write("bad.c", "int broken( {\n");
  compile({cc(), "-c", "bad.c", "-o", "bad.o"}, s, 1);           // error
  compile(compile_args(3));                                      // not in the session

  nlohmann::json end = session_json("session-end", id);
  EXPECT_EQ(end["compiles"], 6) << end;
  ASSERT_TRUE(sb().exists("sub/s.jsonl"));
  ASSERT_TRUE(sb().exists("sub/s.log"));
  auto session_lines = json_lines(sb().path("sub/s.jsonl"));
  ASSERT_EQ(session_lines.size(), 6u);
  for (const auto& j : session_lines) {
    expect_complete_line(j);
    EXPECT_EQ(j["session_id"], id);
    EXPECT_EQ(j["cwd"], sb().work());
  }
  EXPECT_EQ(session_lines[0]["outcome"], "miss");
  EXPECT_EQ(session_lines[0]["args"], nlohmann::json(Args{"-c", "s0.c", "-o", "s0.o"}));
  EXPECT_EQ(session_lines[0]["exit_code"], 0);
  EXPECT_EQ(session_lines[1]["outcome"], "hit");
  EXPECT_EQ(session_lines[2]["args"], nlohmann::json(Args{"-c", "s1.c"}));
  EXPECT_EQ(session_lines[3]["args"], nlohmann::json(Args{"-c", "s2.c"}));
  EXPECT_EQ(session_lines[4]["outcome"], "passthrough");
  EXPECT_EQ(session_lines[4]["reason"], "link_unsupported");
  EXPECT_EQ(session_lines[5]["outcome"], "error");
  EXPECT_EQ(session_lines[5]["exit_code"], 1);
  std::string log = sb().read("sub/s.log").value_or("");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 6) << log;
  EXPECT_NE(log.find(" hit "), std::string::npos) << log;

  stop_daemon();
  auto global = json_lines(journal_path());
  ASSERT_EQ(global.size(), 7u);
  for (const auto& j : global) expect_complete_line(j);
  EXPECT_TRUE(global[6]["session_id"].is_null()) << global[6];
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(global[i], session_lines[i]) << i;
}

TEST_P(SessionJournal, SecretValuesAreRedacted) {
  RunOptions opts;
  opts.env["MY_API_TOKEN"] = "hunter2-token-value";
  opts.env["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLEVALUE";
  opts.env["db_password"] = "pw-value";
  opts.env["BUILD_FLAVOR"] = "debug-flavor";
  // Started without them: the journal lists what differs from the daemon's environment.
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  compile(compile_args(0), opts);
  stop_daemon();
  std::string text = sb().read(journal_path()).value_or("");
  for (const char* secret : {"hunter2-token-value", "AKIAEXAMPLEVALUE", "pw-value"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked: " << text;
  }
  auto lines = json_lines(journal_path());
  ASSERT_EQ(lines.size(), 1u);
  std::map<std::string, std::string> env;
  for (const auto& pair : lines[0]["env"]) env[pair[0]] = pair[1];
  EXPECT_EQ(env["MY_API_TOKEN"], "<redacted>");
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"], "<redacted>");
  EXPECT_EQ(env["db_password"], "<redacted>");
  EXPECT_EQ(env["BUILD_FLAVOR"], "debug-flavor") << "a harmless variable keeps its value";
}

TEST_P(SessionJournal, JournalRotatesBySizeAndLosesNothingOnStop) {
  RunOptions opts;
  opts.env["ZCCACHE_JOURNAL_MAX_SIZE"] = "1500";  // a few lines per file
  ASSERT_EQ(sb().zccache({"start"}, opts).exit_code, 0);
  auto all_lines = [&] {
    std::vector<nlohmann::json> lines;
    for (int i = 5; i >= 0; --i) {
      std::string p = i == 0 ? journal_path() : journal_path() + "." + std::to_string(i);
      if (!fs::exists(p)) continue;
      EXPECT_LE(fs::file_size(p), 1500u) << p;
      for (auto& j : json_lines(p)) lines.push_back(std::move(j));
    }
    return lines;
  };
  for (int i = 0; i < 12; ++i) compile(compile_args(i % 4));
  stop_daemon();
  EXPECT_TRUE(fs::exists(journal_path() + ".1"));
  auto lines = all_lines();
  ASSERT_EQ(lines.size(), 12u) << "every line, oldest file first";
  for (int i = 0; i < 12; ++i) {
    expect_complete_line(lines[i]);
    EXPECT_EQ(lines[i]["args"][1], "s" + std::to_string(i % 4) + ".c") << i;
  }
  // Many more: the oldest files go, at most 5 rotated ones stay.
  ASSERT_EQ(sb().zccache({"start"}, opts).exit_code, 0);
  for (int i = 0; i < 60; ++i) compile(compile_args(i % 4));
  stop_daemon();
  EXPECT_TRUE(fs::exists(journal_path() + ".5"));
  EXPECT_FALSE(fs::exists(journal_path() + ".6")) << "at most 5 rotated files are kept";
  lines = all_lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_LT(lines.size(), 72u);
  EXPECT_EQ(lines.back()["args"][1], "s3.c") << "the newest line is kept";
}

TEST_P(SessionJournal, UnknownSessionIdIsAOneLineError) {
  for (bool daemon_running : {false, true}) {
    if (daemon_running) {
      ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
    }
    for (const char* command : {"session-end", "session-stats"}) {
      RunResult r = sb().zccache({command, "no-such-session"});
      EXPECT_EQ(r.exit_code, 1) << command << ": " << r.describe();
      EXPECT_TRUE(r.out.empty()) << r.out;
      EXPECT_NE(r.err.find("unknown session 'no-such-session'"), std::string::npos) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
  }
  EXPECT_EQ(sb().zccache({"session-end"}).exit_code, 2) << "usage";
  EXPECT_EQ(sb().zccache({"session-start", "--bogus"}).exit_code, 2) << "usage";
  RunResult bad_file = sb().zccache({"session-start", "--log", "/nonexistent-dir/x.log"});
  EXPECT_EQ(bad_file.exit_code, 1) << bad_file.describe();
  EXPECT_NE(bad_file.err.find("/nonexistent-dir/x.log"), std::string::npos) << bad_file.err;
}

TEST_P(SessionJournal, EvalIdiomWorksThroughARealShell) {
  const std::string z = sb().zccache_bin();
  const std::string script = "set -e\n"
                             "eval \"$(" + z + " session-start --stats)\"\n"
                             "test -n \"$ZCCACHE_SESSION_ID\"\n"
                             + z + " " + cc() + " -c s0.c -o s0.o\n"
                             + z + " " + cc() + " -c s1.c -o s1.o\n"
                             + z + " session-end \"$ZCCACHE_SESSION_ID\"\n";
  RunResult r = sb().run({"sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["misses"], 2) << j;
  EXPECT_EQ(j["ended"], true) << j;
  RunResult plain = sb().zccache({"session-start"});
  EXPECT_TRUE(std::regex_match(plain.out, std::regex("export ZCCACHE_SESSION_ID=[0-9a-f]{32}\n"))) << plain.out;
}

TEST_P(SessionJournal, OpenSessionKeepsTheDaemonUpAndExpiresWhenIdle) {
  RunOptions opts;
  opts.env["ZCCACHE_IDLE_TIMEOUT"] = "1";
  opts.env["ZCCACHE_SESSION_TIMEOUT"] = "3";
  ASSERT_EQ(sb().zccache({"start"}, opts).exit_code, 0);
  auto pid = sb().status_pid();
  ASSERT_TRUE(pid.has_value());
  std::string id = start_session();
  // Past the idle timeout, the session holds the daemon; after the session's timeout both go.
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(process_alive(*pid)) << "the daemon idled out under an open session";
  EXPECT_TRUE(wait_for_exit(*pid, 30s)) << "the daemon outlived its expired session";
  RunResult r = sb().zccache({"session-stats", id});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
}

ZCCACHE_FOR_EACH_COMPILER(SessionJournal);

}  // namespace
}  // namespace zccache::e2e
