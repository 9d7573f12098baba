#include "zccache/daemon/journal_entry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace zccache::daemon {
namespace {

JournalEntry sample() {
  JournalEntry e;
  e.ts_ns = 1773743400123456789;  // 2026-03-17T10:30:00.123Z
  e.outcome = JournalOutcome::kHit;
  e.compiler = "/usr/bin/clang++";
  e.args = {"-c", "foo.cpp", "-o", "foo.o"};
  e.cwd = "/project/build";
  e.env = {"PATH=/usr/bin", "CC=clang"};
  e.exit_code = 0;
  e.session_id = "abc";
  e.latency_ns = 1234567;
  return e;
}

TEST(JournalEntry, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_utc_ms(1773743400123456789), "2026-03-17T10:30:00.123Z");
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
}

TEST(JournalEntry, WritesEveryFieldInTheDocumentedShape) {
  EnvMap daemon_env{{"PATH", "/usr/bin"}};
  std::string line = journal_line(sample(), daemon_env);
  EXPECT_EQ(line,
            R"({"ts":"2026-03-17T10:30:00.123Z","outcome":"hit","compiler":"/usr/bin/clang++",)"
            R"("args":["-c","foo.cpp","-o","foo.o"],"cwd":"/project/build","env":[["CC","clang"]],)"
            R"("exit_code":0,"session_id":"abc","latency_ns":1234567})");
}

TEST(JournalEntry, NullsAndOmissions) {
  JournalEntry e = sample();
  e.outcome = JournalOutcome::kPassthrough;
  e.reason = "linking";
  e.exit_code.reset();
  e.session_id.clear();
  EnvMap daemon_env{{"PATH", "/usr/bin"}, {"CC", "clang"}};
  auto j = nlohmann::json::parse(journal_line(e, daemon_env));
  EXPECT_EQ(j["outcome"], "passthrough");
  EXPECT_EQ(j["reason"], "linking");
  EXPECT_TRUE(j["exit_code"].is_null());
  EXPECT_TRUE(j["session_id"].is_null());
  EXPECT_FALSE(j.contains("env")) << "no variable differs from the daemon's";
  e.outcome = JournalOutcome::kMiss;
  EXPECT_FALSE(nlohmann::json::parse(journal_line(e, daemon_env)).contains("reason"));
}

TEST(JournalEntry, RemoteAttemptsAndUploadModeWhenPresent) {
  JournalEntry e = sample();
  EXPECT_FALSE(nlohmann::json::parse(journal_line(e, {})).contains("remote")) << "no remote asked";
  e.outcome = JournalOutcome::kMiss;
  e.remote = {{"redis://***@cache:6379/0", RemoteOutcome::kTimeout, 100000000, "redis://u:pw@cache: timed out"},
              {"http://cache/zc/", RemoteOutcome::kMiss, 250000, ""}};
  e.upload = "read_only";
  std::string line = journal_line(e, {});
  EXPECT_EQ(line.find("pw@"), std::string::npos) << "an error text's credentials are redacted: " << line;
  auto j = nlohmann::json::parse(line);
  ASSERT_EQ(j["remote"].size(), 2u);
  EXPECT_EQ(j["remote"][0]["url"], "redis://***@cache:6379/0");
  EXPECT_EQ(j["remote"][0]["outcome"], "timeout");
  EXPECT_EQ(j["remote"][0]["latency_ns"], 100000000);
  EXPECT_NE(j["remote"][0]["error"].get<std::string>().find("timed out"), std::string::npos);
  EXPECT_EQ(j["remote"][1]["outcome"], "miss");
  EXPECT_FALSE(j["remote"][1].contains("error"));
  EXPECT_EQ(j["upload"], "read_only");
  e.outcome = JournalOutcome::kUpload;
  EXPECT_EQ(nlohmann::json::parse(journal_line(e, {}))["outcome"], "upload");
  EXPECT_NE(log_line(e).find("[remote http://cache/zc/: miss]"), std::string::npos) << log_line(e);
}

TEST(JournalEntry, EscapesAndSurvivesInvalidUtf8) {
  JournalEntry e = sample();
  e.args = {"-DX=\"a\\b\"\n", std::string("\xff\xfe", 2)};
  auto j = nlohmann::json::parse(journal_line(e, {}));
  EXPECT_EQ(j["args"][0], "-DX=\"a\\b\"\n");
  EXPECT_EQ(j["args"].size(), 2u);
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The journal's writer must write what nlohmann::json wrote before it, for any text that is
// well-formed UTF-8 (the documented lines did not change).
TEST(JournalEntry, JsonStringsAreWhatNlohmannWritesForWellFormedText) {
  std::vector<std::string> texts = {"", "plain -O2 /usr/include", "\"quoted\" and \\back\\slash", "\x7f",
                                    "caf\xc3\xa9", "\xc2\x80\xdf\xbf", "\xe0\xa0\x80\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80",
                                    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xe2\x82\xac 5"};
  for (int c = 0; c < 0x20; ++c) texts.push_back(std::string("a") + static_cast<char>(c) + "b");
  for (const std::string& t : texts) EXPECT_EQ(json_string(t), nlohmann::json(t).dump()) << t;
}

TEST(JournalEntry, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(json_string("\xff"), "\"" + fffd + "\"");
  EXPECT_EQ(json_string("a\xc0\x80z"), "\"a" + fffd + fffd + "z\"") << "an overlong NUL";
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"" + fffd + fffd + fffd + "\"") << "a surrogate";
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"") << "above U+10FFFF";
  EXPECT_EQ(json_string("x\xe2\x82"), "\"x" + fffd + fffd + "\"") << "cut short at the end";
  EXPECT_EQ(json_string("\xe2\x82\xac\xe2"), "\"\xe2\x82\xac" + fffd + "\"");
  // Whatever the bytes, the line parses, and well-formed input comes back unchanged.
  uint32_t state = 12345;
  for (int n = 0; n < 3000; ++n) {
    std::string bytes(static_cast<size_t>(n % 13), '\0');
    for (char& c : bytes) {
      state = state * 1103515245u + 12345u;
      c = static_cast<char>(state >> 24);
    }
    const std::string text = json_string(bytes);
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << text;
    bool well_formed = true;
    try {
      (void)nlohmann::json(bytes).dump();
    } catch (const nlohmann::json::exception&) {
      well_formed = false;
    }
    if (well_formed) EXPECT_EQ(parsed.get<std::string>(), bytes);
  }
}

TEST(JournalEntry, RedactsSecretLookingNames) {
  for (const char* name : {"GITHUB_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "db_password", "ApiKey",
                           "NPM_AUTH", "MY_PASSWD", "GOOGLE_APPLICATION_CREDENTIALS"}) {
    EXPECT_TRUE(looks_secret(name)) << name;
  }
  for (const char* name : {"PATH", "CC", "CFLAGS", "HOME", "ZCCACHE_SESSION_ID"}) EXPECT_FALSE(looks_secret(name)) << name;
  auto diff = env_differences({"GITHUB_TOKEN=ghp_123", "CFLAGS=-O2", "aws_secret_access_key=x"}, {});
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(diff[0], (std::pair<std::string, std::string>{"GITHUB_TOKEN", "<redacted>"}));
  EXPECT_EQ(diff[1], (std::pair<std::string, std::string>{"CFLAGS", "-O2"}));
  EXPECT_EQ(diff[2].second, "<redacted>");
}

TEST(JournalEntry, RedactsCredentialsInUrls) {
  auto diff = env_differences({"ZCCACHE_REMOTE=redis://:hunter2@h:6379/0 http://u:pw@c/x/"}, {});
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].second, "redis://***@h:6379/0 http://***@c/x/");
}

TEST(JournalEntry, EnvListsOnlyWhatDiffersFromTheDaemon) {
  EnvMap daemon_env{{"PATH", "/usr/bin"}, {"HOME", "/root"}};
  auto diff = env_differences({"PATH=/usr/bin", "HOME=/home/x", "NEW=1", "NOEQUALS"}, daemon_env);
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0].first, "HOME");
  EXPECT_EQ(diff[1].first, "NEW");
}

TEST(JournalEntry, TheKeptEnvFieldIsTheOneOfEachEntrysEnvironment) {
  EnvMap daemon_env{{"PATH", "/usr/bin"}, {"HOME", "/root"}};
  const std::vector<std::vector<std::string>> envs = {
      {"PATH=/usr/bin", "HOME=/home/x"}, {"PATH=/usr/bin", "HOME=/home/x"}, {"PATH=/bin", "API_TOKEN=t"},
      {"PATH=/usr/bin", "HOME=/root"},   {"PATH=/usr/bin", "HOME=/home/x"}, {}};
  EnvFieldCache cache;
  for (size_t i = 0; i < envs.size(); ++i) {
    JournalEntry e = sample();
    e.env = envs[i];
    EXPECT_EQ(journal_line(e, daemon_env, &cache), journal_line(e, daemon_env)) << "entry " << i;
  }
}

TEST(JournalEntry, LogLineIsOneReadableLine) {
  JournalEntry e = sample();
  e.outcome = JournalOutcome::kError;
  e.exit_code = 1;
  e.args.push_back("-DMSG=a b\nc");
  std::string line = log_line(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("error"), std::string::npos) << line;
  EXPECT_NE(line.find("/usr/bin/clang++ -c foo.cpp -o foo.o"), std::string::npos) << line;
  EXPECT_NE(line.find("'-DMSG=a b c'"), std::string::npos) << line;
  EXPECT_NE(line.find("exit 1"), std::string::npos) << line;
}

}  // namespace
}  // namespace zccache::daemon
