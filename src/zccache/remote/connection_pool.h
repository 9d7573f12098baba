// ConnectionPool<T>: idle connections (hiredis contexts, libcurl handles) kept for reuse, at most
// `max_idle` of them. take() hands out an idle one or nullptr (the caller then opens one);
// give_back() keeps a healthy one or drops it when the pool is full. A connection that failed must
// not be given back (it may hold half a reply). Thread-safe (one mutex, held only to move pointers).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace zccache::remote {

template <typename T, typename Deleter>
class ConnectionPool {
 public:
  using Ptr = std::unique_ptr<T, Deleter>;
  explicit ConnectionPool(size_t max_idle) : max_idle_(max_idle) {}

  Ptr take() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return Ptr();
    Ptr p = std::move(idle_.back());
    idle_.pop_back();
    return p;
  }
  void give_back(Ptr p) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(p));
  }

 private:
  const size_t max_idle_;
  std::mutex mutex_;
  std::vector<Ptr> idle_;  // GUARDED_BY(mutex_)
};

}  // namespace zccache::remote
