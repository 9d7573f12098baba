// RemoteAttempt: what one remote did for one compile (a lookup after a local miss, or the upload
// after a miss was stored), as the compile journal shows it (journal_entry.h):
//   {"url":"redis://***@cache:6379/0","outcome":"miss","latency_ns":412000}
//   {"url":"http://cache/zc/","outcome":"error","latency_ns":95000,"error":"HTTP 500 ..."}
// `url` is the remote's redacted URL (remote_spec.h) and `error` passes through redact_urls, so
// that no credential reaches a journal line. Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zccache::daemon {

enum class RemoteOutcome : uint8_t {
  kHit,       // lookup: this remote served the compile
  kMiss,      // lookup: it had no entry whose include set holds here
  kUploaded,  // upload: artifacts, result and manifest written
  kError,     // a request failed, or a value failed verification (never served)
  kTimeout,   // a request ran into its timeout
  kSkipped,   // not asked: its circuit breaker is open, or the upload queue was full
};

inline std::string_view remote_outcome_name(RemoteOutcome o) {
  switch (o) {
    case RemoteOutcome::kHit:
      return "hit";
    case RemoteOutcome::kMiss:
      return "miss";
    case RemoteOutcome::kUploaded:
      return "uploaded";
    case RemoteOutcome::kError:
      return "error";
    case RemoteOutcome::kTimeout:
      return "timeout";
    case RemoteOutcome::kSkipped:
      return "skipped";
  }
  return "error";
}

struct RemoteAttempt {
  std::string url;  // redacted
  RemoteOutcome outcome = RemoteOutcome::kMiss;
  int64_t latency_ns = 0;  // time spent on this remote for this compile
  std::string error;       // what went wrong (also on a hit that first met a damaged value); redacted
};

}  // namespace zccache::daemon
