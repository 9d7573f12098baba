#include "zccache/daemon/maintenance.h"

#include <chrono>
#include <utility>

#include "zccache/base/log.h"
#include "zccache/config/settings.h"
#include "zccache/config/size.h"
#include "zccache/store/eviction.h"

namespace zccache::daemon {
namespace {

constexpr int64_t kFlushIntervalNs = 2'000'000'000;
// A walk of 100k blobs costs ~0.1 s; the estimate between walks only drifts when two misses
// race to create the same blob.
constexpr int64_t kMeasureIntervalNs = 600'000'000'000;
constexpr auto kTick = std::chrono::seconds(1);

}  // namespace

Maintenance::Maintenance(std::string cache_dir, std::optional<std::string> env_max_size, store::Index& index,
                         store::ArtifactStore& artifacts, store::UsageTracker& usage, Stats& stats)
    : cache_dir_(std::move(cache_dir)),
      env_max_size_(std::move(env_max_size)),
      index_(index),
      artifacts_(artifacts),
      usage_(usage),
      stats_(stats),
      limit_bytes_(config::kDefaultMaxSizeBytes) {
  reload_settings();
}

Maintenance::~Maintenance() { stop(); }

void Maintenance::start() {
  usage_.set_store_listener([this] { notify(); });
  thread_ = std::thread([this] { run(); });
}

void Maintenance::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  usage_.set_store_listener(nullptr);
  if (Status s = usage_.flush(index_); !s.ok()) log::error("last-use flush: " + s.error().message);
}

void Maintenance::notify() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void Maintenance::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    step(os::now_realtime_ns());
    lock.lock();
    wake_.wait_for(lock, kTick, [this] { return woken_ || stopping_; });
    woken_ = false;
  }
}

// The environment wins when it parses; a malformed value is logged and the file is used instead
// (the CLI reports it to the user: `zccache config`, `zccache start`).
void Maintenance::reload_settings() {
  auto st = os::stat_path(config::config_path(cache_dir_));
  std::optional<os::FileInfo> seen;
  if (st.ok()) seen = *st;
  if (settings_loaded_ && seen == config_seen_) return;
  config_seen_ = seen;
  settings_loaded_ = true;
  const char* env = env_max_size_ ? env_max_size_->c_str() : nullptr;
  auto settings = config::load_settings(cache_dir_, env);
  if (!settings.ok() && env != nullptr) {
    log::error("daemon: " + settings.error().message + "; ignoring it");
    settings = config::load_settings(cache_dir_, nullptr);
  }
  if (!settings.ok()) {
    log::error("daemon: " + settings.error().message + "; keeping max-size " + config::format_size(limit_bytes()));
    return;
  }
  if (settings->max_size_bytes != limit_bytes()) {
    log::debug("max-size " + config::format_size(settings->max_size_bytes) + " (" +
               std::string(config::source_name(settings->max_size_source)) + ")");
  }
  limit_bytes_ = settings->max_size_bytes;
}

void Maintenance::step(int64_t now_ns) {
  reload_settings();
  if (measured_ns_ == 0 || now_ns - measured_ns_ > kMeasureIntervalNs) {
    (void)artifacts_.list_blobs();
    measured_ns_ = now_ns;
  }
  if (now_ns - flushed_ns_ >= kFlushIntervalNs) {
    if (Status s = usage_.flush(index_); !s.ok()) log::debug("last-use flush: " + s.error().message);
    flushed_ns_ = now_ns;
  }
  uint64_t limit = limit_bytes();
  if (limit == 0 || artifacts_.size_estimate() + index_.size_bytes() <= limit) return;
  auto started = std::chrono::steady_clock::now();
  auto report = store::evict_to(limit / 100 * kTargetPercent, index_, artifacts_, usage_, now_ns);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  measured_ns_ = now_ns;  // the pass walked the blobs
  flushed_ns_ = now_ns;   // and flushed the last-use times
  if (!report.ok()) {
    log::error("eviction: " + report.error().message);
    stats_.error();
    return;
  }
  stats_.evicted(report->results_evicted);
  log::debug("eviction: " + std::to_string(report->results_evicted) + " of " + std::to_string(report->results_seen) +
             " results, " + std::to_string(report->blobs_removed) + " blobs, " +
             std::to_string(report->orphans_removed) + " orphans; " + std::to_string(report->bytes_before) + " -> " +
             std::to_string(report->bytes_after) + " bytes in " + std::to_string(ms.count()) + " ms");
}

}  // namespace zccache::daemon
