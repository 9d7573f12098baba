#include "zccache/daemon/session_registry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "zccache/testing/temp_dir.h"

namespace zccache::daemon {
namespace {

using testing::TempDirForTesting;

constexpr int64_t kSecond = 1'000'000'000;

JournalEntry outcome(JournalOutcome o, int64_t compile_ns = 0, std::string source = "a.c") {
  JournalEntry e;
  e.outcome = o;
  e.compiler = "/usr/bin/cc";
  e.args = {"-c", source};
  e.source = source;
  e.compile_ns = compile_ns;
  if (o == JournalOutcome::kPassthrough) e.reason = "linking";
  return e;
}

nlohmann::json stats(SessionRegistry& r, const std::string& id, int64_t now) {
  auto s = r.stats_json(id, now);
  EXPECT_TRUE(s.has_value());
  return s ? nlohmann::json::parse(*s) : nlohmann::json();
}

TEST(SessionRegistry, SessionsCountSeparately) {
  SessionRegistry r(std::chrono::hours(1));
  auto a = r.start({}, 0);
  auto b = r.start({}, 0);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  r.record(*a, outcome(JournalOutcome::kHit), 2'000'000'000, 100, kSecond);
  r.record(*a, outcome(JournalOutcome::kHit), 1'000'000'000, 50, kSecond);
  r.record(*b, outcome(JournalOutcome::kMiss, 5), 0, 0, kSecond);
  r.record(*b, outcome(JournalOutcome::kPassthrough), 0, 0, kSecond);
  r.record("not-a-session", outcome(JournalOutcome::kHit), 0, 0, kSecond);
  auto sa = stats(r, *a, 3 * kSecond);
  EXPECT_EQ(sa["hits"], 2);
  EXPECT_EQ(sa["misses"], 0);
  EXPECT_EQ(sa["compile_time_saved_ms"], 3000);
  EXPECT_EQ(sa["bytes_delivered"], 150);
  EXPECT_EQ(sa["duration_ms"], 3000);
  auto sb = stats(r, *b, 3 * kSecond);
  EXPECT_EQ(sb["hits"], 0);
  EXPECT_EQ(sb["misses"], 1);
  EXPECT_EQ(sb["passthrough"]["linking"], 1);
  EXPECT_EQ(sb["compiles"], 2);
}

TEST(SessionRegistry, KeepsTheTenSlowestMissesLongestFirst) {
  SessionRegistry r(std::chrono::hours(1));
  auto id = r.start({}, 0);
  ASSERT_TRUE(id.ok());
  for (int i = 1; i <= 15; ++i) {
    r.record(*id, outcome(JournalOutcome::kMiss, i * 1'000'000, "s" + std::to_string(i) + ".c"), 0, 0, 0);
  }
  r.record(*id, outcome(JournalOutcome::kError, 100'000'000, "failed.c"), 0, 0, 0);
  auto s = stats(r, *id, 0);
  ASSERT_EQ(s["slowest_misses"].size(), SessionRegistry::kSlowest);
  EXPECT_EQ(s["slowest_misses"][0]["source"], "failed.c");
  EXPECT_EQ(s["slowest_misses"][1]["source"], "s15.c");
  EXPECT_EQ(s["slowest_misses"][1]["duration_ms"], 15.0);
  EXPECT_EQ(s["slowest_misses"][9]["source"], "s7.c");
  EXPECT_EQ(s["errors"], 1);
}

TEST(SessionRegistry, EndForgetsTheSession) {
  SessionRegistry r(std::chrono::hours(1));
  auto id = r.start({}, 0);
  ASSERT_TRUE(id.ok());
  auto ended = r.end(*id, kSecond);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(nlohmann::json::parse(*ended)["ended"], true);
  EXPECT_FALSE(r.end(*id, kSecond).has_value());
  EXPECT_FALSE(r.stats_json(*id, kSecond).has_value());
  EXPECT_EQ(r.open_count(), 0u);
}

TEST(SessionRegistry, ExpiresOnlyInactiveSessions) {
  SessionRegistry r(std::chrono::seconds(10));
  auto idle = r.start({}, 0);
  auto busy = r.start({}, 0);
  ASSERT_TRUE(idle.ok() && busy.ok());
  r.record(*busy, outcome(JournalOutcome::kHit), 0, 0, 8 * kSecond);
  EXPECT_EQ(r.expire(10 * kSecond), 0u) << "not past the timeout yet";
  EXPECT_EQ(r.expire(11 * kSecond), 1u);
  EXPECT_FALSE(r.stats_json(*idle, 11 * kSecond).has_value());
  EXPECT_TRUE(r.stats_json(*busy, 11 * kSecond).has_value());
}

TEST(SessionRegistry, StartFailsForAFileItCannotOpen) {
  SessionRegistry r(std::chrono::hours(1));
  SessionOptions options;
  options.log_path = "/nonexistent-dir/x.log";
  auto id = r.start(options, 0);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.error().message.find("/nonexistent-dir/x.log"), std::string::npos) << id.error().message;
  EXPECT_EQ(r.open_count(), 0u);
}

TEST(SessionRegistry, RecordReturnsTheSessionsFiles) {
  TempDirForTesting dir;
  SessionRegistry r(std::chrono::hours(1));
  SessionOptions options;
  options.journal_path = dir.path() + "/s.jsonl";
  auto id = r.start(options, 0);
  ASSERT_TRUE(id.ok());
  SessionSinks sinks = r.record(*id, outcome(JournalOutcome::kHit), 0, 0, 0);
  ASSERT_NE(sinks.journal, nullptr);
  EXPECT_EQ(sinks.journal->path(), options.journal_path);
  EXPECT_EQ(sinks.log, nullptr);
  EXPECT_EQ(r.record("other", outcome(JournalOutcome::kHit), 0, 0, 0).journal, nullptr);
}

}  // namespace
}  // namespace zccache::daemon
