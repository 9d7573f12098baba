// WorkerPool: runs each task on a thread left idle by an earlier task, or on a new thread when
// none is idle. The daemon serves every connection on its own thread; starting one per request
// cost about a quarter of the daemon's CPU time for a warm hit (clone, stack, thread exit).
// Threads idle for `idle_exit` end, so a quiet daemon keeps none. Unbounded like the
// thread-per-connection it replaces: a slow request never waits for another one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace zccache::daemon {

class WorkerPool {
 public:
  explicit WorkerPool(std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  // Idle workers end; running tasks finish on their own (threads are detached).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run(std::function<void()> task);
  size_t threads_started() const;  // for tests
  size_t idle_workers() const;     // for tests

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> tasks;  // GUARDED_BY(mutex)
    size_t idle = 0;                          // GUARDED_BY(mutex): workers waiting for a task
    size_t started = 0;                       // GUARDED_BY(mutex)
    bool stopping = false;                    // GUARDED_BY(mutex)
    std::chrono::milliseconds idle_exit;
  };
  static void work(const std::shared_ptr<Shared>& shared);

  std::shared_ptr<Shared> shared_;
};

}  // namespace zccache::daemon
