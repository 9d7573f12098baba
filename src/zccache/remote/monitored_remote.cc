#include "zccache/remote/monitored_remote.h"

#include <chrono>

#include "zccache/base/log.h"

namespace zccache::remote {

MonitoredRemote::MonitoredRemote(std::string description, std::unique_ptr<RemoteStore> store,
                                 CircuitBreaker::Options breaker, Clock clock)
    : description_(std::move(description)), store_(std::move(store)), breaker_(breaker), clock_(std::move(clock)) {}

namespace {
constexpr std::string_view kCircuitOpen = ": circuit open";
}  // namespace

bool MonitoredRemote::skipped(const Error& e) {
  return e.code == ErrorCode::kTransport && std::string_view(e.message).ends_with(kCircuitOpen);
}

int64_t MonitoredRemote::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <typename T>
Result<T> MonitoredRemote::run(std::string_view what, const std::function<Result<T>(uint64_t& bytes)>& request,
                               bool upload) {
  int64_t start = now();
  if (!breaker_.allow(start)) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return make_error(ErrorCode::kTransport, description_ + std::string(kCircuitOpen));
  }
  uint64_t bytes = 0;
  Result<T> result = request(bytes);
  int64_t end = now();
  requests_.fetch_add(1, std::memory_order_relaxed);
  latency_ns_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(end - start, 0)), std::memory_order_relaxed);
  (upload ? bytes_up_ : bytes_down_).fetch_add(bytes, std::memory_order_relaxed);
  if (result.ok()) {
    breaker_.succeeded();
    return result;
  }
  (result.error().code == ErrorCode::kTimeout ? timeouts_ : errors_).fetch_add(1, std::memory_order_relaxed);
  breaker_.failed(end);
  // The store's messages never hold credentials (they get the redacted URL at most); the
  // description is the redacted URL.
  log::debug("remote " + description_ + ": " + std::string(what) + ": " + result.error().message);
  return result;
}

Result<std::optional<std::string>> MonitoredRemote::get(std::string_view name) {
  using T = std::optional<std::string>;
  return run<T>("get", [&](uint64_t& bytes) -> Result<T> {
    auto r = store_->get(name);
    if (r.ok() && r->has_value()) bytes = (*r)->size();
    return r;
  }, false);
}

Status MonitoredRemote::put(std::string_view name, std::string_view value) {
  auto r = run<bool>("put", [&](uint64_t& bytes) -> Result<bool> {
    Status s = store_->put(name, value);
    if (!s.ok()) return s.error();
    bytes = value.size();
    return true;
  }, true);
  if (!r.ok()) return r.error();
  return {};
}

Result<bool> MonitoredRemote::exists(std::string_view name) {
  return run<bool>("exists", [&](uint64_t&) { return store_->exists(name); }, false);
}

RemoteCounters MonitoredRemote::counters() const {
  RemoteCounters c;
  c.hits = hits_.load(std::memory_order_relaxed);
  c.misses = misses_.load(std::memory_order_relaxed);
  c.errors = errors_.load(std::memory_order_relaxed);
  c.timeouts = timeouts_.load(std::memory_order_relaxed);
  c.skipped = skipped_.load(std::memory_order_relaxed);
  c.requests = requests_.load(std::memory_order_relaxed);
  c.bytes_down = bytes_down_.load(std::memory_order_relaxed);
  c.bytes_up = bytes_up_.load(std::memory_order_relaxed);
  c.latency_ns = latency_ns_.load(std::memory_order_relaxed);
  c.uploads = uploads_.load(std::memory_order_relaxed);
  return c;
}

void MonitoredRemote::restore(const RemoteCounters& saved) {
  hits_.fetch_add(saved.hits, std::memory_order_relaxed);
  misses_.fetch_add(saved.misses, std::memory_order_relaxed);
  errors_.fetch_add(saved.errors, std::memory_order_relaxed);
  timeouts_.fetch_add(saved.timeouts, std::memory_order_relaxed);
  skipped_.fetch_add(saved.skipped, std::memory_order_relaxed);
  requests_.fetch_add(saved.requests, std::memory_order_relaxed);
  bytes_down_.fetch_add(saved.bytes_down, std::memory_order_relaxed);
  bytes_up_.fetch_add(saved.bytes_up, std::memory_order_relaxed);
  latency_ns_.fetch_add(saved.latency_ns, std::memory_order_relaxed);
  uploads_.fetch_add(saved.uploads, std::memory_order_relaxed);
}

void MonitoredRemote::reset_counters() {
  for (auto* c : {&hits_, &misses_, &errors_, &timeouts_, &skipped_, &requests_, &bytes_down_, &bytes_up_,
                  &latency_ns_, &uploads_}) {
    c->store(0, std::memory_order_relaxed);
  }
}

std::string_view MonitoredRemote::breaker_state() const { return state_name(breaker_.state(now())); }

}  // namespace zccache::remote
