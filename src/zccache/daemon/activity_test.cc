#include "zccache/daemon/activity.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace zccache::daemon {
namespace {

struct ActivityTest : ::testing::Test {
  JournalWriter journal{nullptr, EnvMap{}};
  SessionRegistry sessions{std::chrono::hours(1)};
  Activity activity{journal, sessions};

  void SetUp() override { journal.start(); }

  std::string start_session() {
    protocol::CommandRequest req;
    req.command = protocol::Command::kSessionStart;
    auto j = nlohmann::json::parse(activity.command(req).json);
    return j.value("session_id", std::string());
  }
  nlohmann::json session(protocol::Command command, const std::string& id) {
    protocol::CommandRequest req;
    req.command = command;
    req.args.values = {id};
    return nlohmann::json::parse(activity.command(req).json);
  }
  // Until the command runs on its thread is waiting for the Holds.
  void wait_for_waiter() {
    for (int i = 0; i < 10'000 && activity.waiting_commands() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(activity.waiting_commands(), 1u) << "the session command did not wait for the Hold";
  }
  void answer_hit(const std::string& id) {
    protocol::CompileRequest req;
    req.compiler = "/usr/bin/cc";
    req.args = {"-c", "a.c"};
    req.session_id = id;
    protocol::CompileReply reply;
    reply.outcome = protocol::CompileOutcome::kHit;
    CompileEvent event;
    event.hits.emplace_back();
    activity.answered(std::move(req), reply, event, RequestTime::now());
  }
};

// The server sends a hit's reply before accounting for it (activity.h). A session-end that the
// build runs once that reply is in must still count the hit: it waits for the Hold.
TEST_F(ActivityTest, SessionEndWaitsForTheAccountingOfARepliedHit) {
  const std::string id = start_session();
  ASSERT_FALSE(id.empty());
  std::optional<Activity::Hold> hold(activity.hold());  // the reply is out, answered() still to run
  auto ended = std::async(std::launch::async, [&] { return session(protocol::Command::kSessionEnd, id); });
  wait_for_waiter();
  answer_hit(id);
  hold.reset();
  auto stats = ended.get();
  EXPECT_EQ(stats.value("hits", -1), 1) << stats.dump();
}

// Only Holds taken before the command are waited for: one taken after it (the next compile of a
// busy build) does not keep session-stats waiting.
TEST_F(ActivityTest, SessionStatsDoesNotWaitForLaterHolds) {
  const std::string id = start_session();
  ASSERT_FALSE(id.empty());
  answer_hit(id);
  std::optional<Activity::Hold> earlier(activity.hold());
  auto stats = std::async(std::launch::async, [&] { return session(protocol::Command::kSessionStats, id); });
  wait_for_waiter();
  Activity::Hold later = activity.hold();  // taken while session-stats waits
  earlier.reset();
  ASSERT_EQ(stats.wait_for(std::chrono::seconds(4)), std::future_status::ready);
  EXPECT_EQ(stats.get().value("hits", -1), 1);
}

}  // namespace
}  // namespace zccache::daemon
