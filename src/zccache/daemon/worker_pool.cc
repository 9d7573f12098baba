#include "zccache/daemon/worker_pool.h"

#include <thread>

namespace zccache::daemon {

WorkerPool::WorkerPool(std::chrono::milliseconds idle_exit) : shared_(std::make_shared<Shared>()) {
  shared_->idle_exit = idle_exit;
}

WorkerPool::~WorkerPool() {
  std::lock_guard lock(shared_->mutex);
  shared_->stopping = true;
  shared_->wake.notify_all();
}

void WorkerPool::run(std::function<void()> task) {
  std::unique_lock lock(shared_->mutex);
  shared_->tasks.push_back(std::move(task));
  // Each queued task needs its own idle worker; otherwise it would wait behind a running one.
  if (shared_->idle >= shared_->tasks.size()) {
    shared_->wake.notify_one();
    return;
  }
  ++shared_->started;
  lock.unlock();
  std::thread([shared = shared_] { work(shared); }).detach();
}

size_t WorkerPool::threads_started() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->started;
}

size_t WorkerPool::idle_workers() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->idle;
}

void WorkerPool::work(const std::shared_ptr<Shared>& shared) {
  std::unique_lock lock(shared->mutex);
  for (;;) {
    if (!shared->tasks.empty()) {
      std::function<void()> task = std::move(shared->tasks.front());
      shared->tasks.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // its captures (a connection) are released before the worker waits
      lock.lock();
      continue;
    }
    if (shared->stopping) return;
    ++shared->idle;
    bool woken = shared->wake.wait_for(lock, shared->idle_exit,
                                       [&] { return !shared->tasks.empty() || shared->stopping; });
    --shared->idle;
    if (!woken) return;  // idle too long
  }
}

}  // namespace zccache::daemon
