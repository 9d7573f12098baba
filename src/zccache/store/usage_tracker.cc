#include "zccache/store/usage_tracker.h"

#include <utility>
#include <vector>

#include "zccache/os/file_info.h"
#include "zccache/store/byte_codec.h"

namespace zccache::store {

UsageTracker::Lease::~Lease() {
  if (tracker_ != nullptr) tracker_->release(key_);
}

void UsageTracker::record_use(const hash::Digest& key, int64_t now_ns) {
  int64_t& t = pending_[key];
  if (now_ns > t) t = now_ns;
}

std::optional<UsageTracker::Lease> UsageTracker::lease(const hash::Digest& result_key) {
  int64_t now = os::now_realtime_ns();
  std::lock_guard lock(mutex_);
  if (claimed_.count(result_key) != 0) return std::nullopt;
  ++leased_[result_key];
  record_use(result_key, now);
  return Lease(this, result_key);
}

void UsageTracker::release(const hash::Digest& key) {
  std::lock_guard lock(mutex_);
  auto it = leased_.find(key);
  if (it != leased_.end() && --it->second <= 0) leased_.erase(it);
}

void UsageTracker::stored(const hash::Digest& result_key) {
  int64_t now = os::now_realtime_ns();
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    record_use(result_key, now);
    listener = listener_;
  }
  if (listener) listener();
}

void UsageTracker::set_store_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

Status UsageTracker::flush(Index& index) {
  std::unordered_map<hash::Digest, int64_t, hash::DigestHash> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(pending_);
  }
  if (taken.empty()) return {};
  std::vector<IndexWrite> writes;
  writes.reserve(taken.size());
  for (const auto& [key, ns] : taken) writes.push_back({Table::kUsage, std::string(key.raw()), encode_time(ns)});
  Status s = index.write_batch(writes);
  if (!s.ok()) {
    std::lock_guard lock(mutex_);
    for (const auto& [key, ns] : taken) record_use(key, ns);
  }
  return s;
}

std::unordered_map<hash::Digest, int64_t, hash::DigestHash> UsageTracker::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

void UsageTracker::clear_pending() {
  std::lock_guard lock(mutex_);
  pending_.clear();
}

bool UsageTracker::try_claim(const hash::Digest& result_key) {
  std::lock_guard lock(mutex_);
  if (leased_.count(result_key) != 0) return false;
  claimed_.insert(result_key);
  return true;
}

void UsageTracker::release_claims() {
  std::lock_guard lock(mutex_);
  claimed_.clear();
}

std::string UsageTracker::encode_time(int64_t ns) {
  ByteWriter w;
  w.i64(ns);
  return std::move(w).take();
}

std::optional<int64_t> UsageTracker::decode_time(std::string_view bytes) {
  ByteReader r(bytes);
  int64_t ns = r.i64();
  if (!r.done()) return std::nullopt;
  return ns;
}

}  // namespace zccache::store
