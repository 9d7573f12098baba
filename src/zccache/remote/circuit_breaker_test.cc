#include "zccache/remote/circuit_breaker.h"

#include <gtest/gtest.h>

namespace zccache::remote {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

CircuitBreaker::Options options() {
  CircuitBreaker::Options o;
  o.failures_to_open = 3;
  o.open_for = std::chrono::seconds(10);
  o.max_open_for = std::chrono::seconds(25);
  return o;
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker b(options());
  b.failed(0);
  b.failed(0);
  b.succeeded();  // resets the count
  b.failed(0);
  b.failed(0);
  EXPECT_TRUE(b.allow(0));
  EXPECT_EQ(b.state(0), CircuitBreaker::State::kClosed);
  b.failed(0);
  EXPECT_EQ(b.state(0), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.allow(1));
  EXPECT_FALSE(b.allow(10 * kSecond - 1));
}

TEST(CircuitBreaker, LetsOneProbeThroughAfterTheOpenPeriod) {
  CircuitBreaker b(options());
  for (int i = 0; i < 3; ++i) b.failed(0);
  EXPECT_TRUE(b.allow(10 * kSecond));
  EXPECT_FALSE(b.allow(10 * kSecond)) << "only one probe at a time";
  EXPECT_EQ(b.state(10 * kSecond), CircuitBreaker::State::kHalfOpen);
  b.succeeded();
  EXPECT_EQ(b.state(10 * kSecond), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(b.allow(10 * kSecond));
  EXPECT_TRUE(b.allow(10 * kSecond));
}

TEST(CircuitBreaker, FailedProbeDoublesTheOpenPeriodUpToTheMaximum) {
  CircuitBreaker b(options());
  for (int i = 0; i < 3; ++i) b.failed(0);
  ASSERT_TRUE(b.allow(10 * kSecond));
  b.failed(10 * kSecond);  // open for 20 s now
  EXPECT_FALSE(b.allow(29 * kSecond));
  ASSERT_TRUE(b.allow(30 * kSecond));
  b.failed(30 * kSecond);  // 40 s capped at 25 s
  EXPECT_FALSE(b.allow(54 * kSecond));
  ASSERT_TRUE(b.allow(55 * kSecond));
  b.succeeded();
  for (int i = 0; i < 3; ++i) b.failed(100 * kSecond);  // back to the first period after a success
  EXPECT_FALSE(b.allow(109 * kSecond));
  EXPECT_TRUE(b.allow(110 * kSecond));
}

TEST(CircuitBreaker, LateFailureOfARequestSentBeforeOpeningDoesNotExtendIt) {
  CircuitBreaker b(options());
  for (int i = 0; i < 3; ++i) b.failed(0);
  b.failed(9 * kSecond);  // was in flight; not a probe
  EXPECT_TRUE(b.allow(10 * kSecond));
}

}  // namespace
}  // namespace zccache::remote
