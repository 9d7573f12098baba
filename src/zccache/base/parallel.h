// for_each_parallel: runs f(0) .. f(n-1) on up to one thread per core (the caller's thread is
// one of them) and returns when all are done. For the daemon's per-source lookups and records:
// short tasks, so threads are started per call rather than kept in a pool.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace zccache {

template <typename F>
void for_each_parallel(size_t n, F&& f) {
  // Asked once: glibc reads /sys/devices/system/cpu/online on every call (12% of a warm hit's
  // daemon time when it was asked per request).
  static const size_t cores = std::max<size_t>(std::thread::hardware_concurrency(), 1);
  size_t workers = std::min(n, cores);
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) f(i);
  };
  std::vector<std::jthread> threads;
  threads.reserve(workers - 1);
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
}

}  // namespace zccache
