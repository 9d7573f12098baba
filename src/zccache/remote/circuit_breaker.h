// CircuitBreaker: stops asking a remote that keeps failing, so that a dead or overloaded cache
// server costs a build one timeout now and then instead of one per request.
//
// Closed (normal): every request goes out; `failures_to_open` consecutive failures (errors or
// timeouts; a miss is a success) open it. Open: requests are refused without touching the
// network until `open_for` has passed. Then one request (the probe) goes out, the others are still
// refused: its success closes the breaker, its failure opens it again for twice as long (at most
// `max_open_for`), so a remote that stays down is asked less and less often.
//
// Time is passed in (steady-clock nanoseconds), so tests step it without sleeping.
// Thread-safe (one mutex; no call blocks).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace zccache::remote {

class CircuitBreaker {
 public:
  struct Options {
    int failures_to_open = 3;
    std::chrono::milliseconds open_for{std::chrono::seconds(10)};
    std::chrono::milliseconds max_open_for{std::chrono::minutes(2)};
  };
  enum class State : uint8_t { kClosed, kOpen, kHalfOpen };

  CircuitBreaker() : CircuitBreaker(Options{}) {}
  explicit CircuitBreaker(Options options) : options_(options), open_for_(options.open_for) {}

  // Whether a request may go out now. Every allowed request must be followed by exactly one
  // succeeded() or failed().
  bool allow(int64_t now_ns);
  void succeeded();
  void failed(int64_t now_ns);
  State state(int64_t now_ns) const;

 private:
  const Options options_;
  mutable std::mutex mutex_;
  int consecutive_failures_ = 0;            // GUARDED_BY(mutex_)
  bool open_ = false;                       // GUARDED_BY(mutex_)
  bool probing_ = false;                    // GUARDED_BY(mutex_): the half-open probe is out
  int64_t open_until_ns_ = 0;               // GUARDED_BY(mutex_)
  std::chrono::milliseconds open_for_;      // GUARDED_BY(mutex_): the next open period
};

std::string_view state_name(CircuitBreaker::State state);

}  // namespace zccache::remote
