// MonitoredRemote: one configured remote as the daemon uses it: a RemoteStore behind a circuit
// breaker, with the counters that `zccache status` shows for it.
//
// get/put/exists go to the store only when the breaker allows; otherwise they fail at once with
// kTransport ("circuit open") and count as `skipped`, not as errors. Errors and timeouts of the
// store are counted and fed to the breaker; the error text is logged (debug) with the remote's
// redacted URL only.
// Thread-safe: the counters are atomics, the breaker and the store are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/remote/circuit_breaker.h"
#include "zccache/remote/remote_store.h"

namespace zccache::remote {

struct RemoteCounters {
  uint64_t hits = 0;          // compiles served from this remote
  uint64_t misses = 0;        // lookups it could not serve (no manifest, no matching include set)
  uint64_t errors = 0;        // failed requests, timeouts excluded, plus values that failed verification
  uint64_t timeouts = 0;      // requests that ran into a timeout
  uint64_t skipped = 0;       // requests not sent: circuit open
  uint64_t requests = 0;      // requests sent
  uint64_t bytes_down = 0;
  uint64_t bytes_up = 0;
  uint64_t latency_ns = 0;    // sum over the requests sent
  uint64_t uploads = 0;       // results uploaded (with their manifest and artifacts)
};

class MonitoredRemote {
 public:
  using Clock = std::function<int64_t()>;  // steady-clock ns
  MonitoredRemote(std::string description, std::unique_ptr<RemoteStore> store,
                  CircuitBreaker::Options breaker = {}, Clock clock = nullptr);

  Result<std::optional<std::string>> get(std::string_view name);
  Status put(std::string_view name, std::string_view value);
  Result<bool> exists(std::string_view name);

  void note_hit() { hits_.fetch_add(1, std::memory_order_relaxed); }
  void note_miss() { misses_.fetch_add(1, std::memory_order_relaxed); }
  // A value that arrived but failed verification (envelope, digest, decode).
  void note_corrupt() { errors_.fetch_add(1, std::memory_order_relaxed); }
  void note_upload() { uploads_.fetch_add(1, std::memory_order_relaxed); }

  // True for the error that get/put/exists return when the breaker kept the request from being sent.
  static bool skipped(const Error& e);

  const std::string& description() const { return description_; }  // redacted URL
  RemoteCounters counters() const;
  // Adds `saved` to the counters (a previous daemon's, restored from the index at start).
  void restore(const RemoteCounters& saved);
  void reset_counters();
  std::string_view breaker_state() const;

 private:
  // Runs one request through the breaker and the counters. `bytes` is what travelled.
  template <typename T>
  Result<T> run(std::string_view what, const std::function<Result<T>(uint64_t& bytes)>& request, bool upload);
  int64_t now() const;

  const std::string description_;
  std::unique_ptr<RemoteStore> store_;
  CircuitBreaker breaker_;
  Clock clock_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, errors_{0}, timeouts_{0}, skipped_{0}, requests_{0};
  std::atomic<uint64_t> bytes_down_{0}, bytes_up_{0}, latency_ns_{0}, uploads_{0};
};

}  // namespace zccache::remote
