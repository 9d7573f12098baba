#include "zccache/remote/circuit_breaker.h"

#include <algorithm>

namespace zccache::remote {

bool CircuitBreaker::allow(int64_t now_ns) {
  std::lock_guard lock(mutex_);
  if (!open_) return true;
  if (probing_ || now_ns < open_until_ns_) return false;
  probing_ = true;
  return true;
}

void CircuitBreaker::succeeded() {
  std::lock_guard lock(mutex_);
  consecutive_failures_ = 0;
  open_ = false;
  probing_ = false;
  open_for_ = options_.open_for;
}

void CircuitBreaker::failed(int64_t now_ns) {
  std::lock_guard lock(mutex_);
  if (open_) {
    if (!probing_) return;  // a request that went out before the breaker opened
    probing_ = false;
    open_for_ = std::min(open_for_ * 2, options_.max_open_for);
    open_until_ns_ = now_ns + std::chrono::nanoseconds(open_for_).count();
    return;
  }
  if (++consecutive_failures_ < options_.failures_to_open) return;
  open_ = true;
  open_until_ns_ = now_ns + std::chrono::nanoseconds(open_for_).count();
}

CircuitBreaker::State CircuitBreaker::state(int64_t now_ns) const {
  std::lock_guard lock(mutex_);
  if (!open_) return State::kClosed;
  return probing_ || now_ns >= open_until_ns_ ? State::kHalfOpen : State::kOpen;
}

std::string_view state_name(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half-open";
  }
  return "closed";
}

}  // namespace zccache::remote
