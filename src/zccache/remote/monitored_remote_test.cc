#include "zccache/remote/monitored_remote.h"

#include <gtest/gtest.h>

#include "zccache/testing/fake_remote_store.h"

namespace zccache::remote {
namespace {

using testing::FakeRemoteStore;

struct Fixture {
  int64_t now = 0;
  FakeRemoteStore* fake = nullptr;
  std::unique_ptr<MonitoredRemote> remote;

  Fixture() {
    auto store = std::make_unique<FakeRemoteStore>();
    fake = store.get();
    CircuitBreaker::Options o;
    o.failures_to_open = 2;
    o.open_for = std::chrono::seconds(5);
    remote = std::make_unique<MonitoredRemote>("redis://h:1/0", std::move(store), o, [this] { return now += 1000; });
  }
};

TEST(MonitoredRemote, CountsBytesRequestsAndLatency) {
  Fixture f;
  ASSERT_TRUE(f.remote->put("a", "12345").ok());
  auto got = f.remote->get("a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(**got, "12345");
  auto missing = f.remote->get("b");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  RemoteCounters c = f.remote->counters();
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.bytes_up, 5u);
  EXPECT_EQ(c.bytes_down, 5u);
  EXPECT_EQ(c.latency_ns, 3000u);  // the fake clock advances 1 us per reading
  EXPECT_EQ(c.errors, 0u);
}

TEST(MonitoredRemote, SeparatesTimeoutsFromErrorsAndOpensTheBreaker) {
  Fixture f;
  f.fake->set_fault(FakeRemoteStore::Fault::kTimeout);
  auto timed_out = f.remote->get("a");
  EXPECT_EQ(timed_out.error().code, ErrorCode::kTimeout);
  EXPECT_FALSE(MonitoredRemote::skipped(timed_out.error()));
  f.fake->set_fault(FakeRemoteStore::Fault::kError);
  auto failed = f.remote->put("a", "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(MonitoredRemote::skipped(failed.error()));
  RemoteCounters c = f.remote->counters();
  EXPECT_EQ(c.timeouts, 1u);
  EXPECT_EQ(c.errors, 1u);
  EXPECT_EQ(f.remote->breaker_state(), "open");
  // Open: nothing reaches the store, and that is counted as skipped.
  f.fake->set_fault(FakeRemoteStore::Fault::kNone);
  int gets = f.fake->gets();
  auto skipped = f.remote->get("a");
  ASSERT_FALSE(skipped.ok());
  EXPECT_TRUE(MonitoredRemote::skipped(skipped.error()));
  EXPECT_EQ(f.fake->gets(), gets);
  EXPECT_EQ(f.remote->counters().skipped, 1u);
  // After the open period, a successful probe closes it.
  f.now += 6'000'000'000;
  EXPECT_TRUE(f.remote->get("a").ok());
  EXPECT_EQ(f.remote->breaker_state(), "closed");
}

}  // namespace
}  // namespace zccache::remote
