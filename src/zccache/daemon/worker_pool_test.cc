#include "zccache/daemon/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace zccache::daemon {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) until `done` reaches `n`.
bool wait_count(const std::atomic<int>& done, int n) {
  for (int i = 0; i < 5000 && done.load() < n; ++i) std::this_thread::sleep_for(1ms);
  return done.load() >= n;
}

TEST(WorkerPool, ReusesAnIdleThread) {
  WorkerPool pool;
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) {
    pool.run([&] { ++done; });
    ASSERT_TRUE(wait_count(done, i + 1));
    for (int k = 0; k < 5000 && pool.idle_workers() == 0; ++k) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(pool.threads_started(), 1u);
}

TEST(WorkerPool, ABusyWorkerNeverDelaysAnotherTask) {
  WorkerPool pool;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> done{0};
  pool.run([released, &done] {
    released.wait();
    ++done;
  });
  pool.run([&] { ++done; });  // must not wait for the first one
  EXPECT_TRUE(wait_count(done, 1));
  EXPECT_EQ(done.load(), 1);
  release.set_value();
  EXPECT_TRUE(wait_count(done, 2));
  EXPECT_GE(pool.threads_started(), 2u);
}

TEST(WorkerPool, ManyTasksAtOnceAllRun) {
  WorkerPool pool;
  std::atomic<int> done{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (int i = 0; i < 16; ++i) {
    pool.run([released, &done] {
      released.wait();  // all 16 are running at the same time, each on its own thread
      ++done;
    });
  }
  release.set_value();
  EXPECT_TRUE(wait_count(done, 16));
  EXPECT_EQ(pool.threads_started(), 16u);
}

TEST(WorkerPool, IdleWorkersEndAndNewOnesStart) {
  WorkerPool pool(5ms);
  std::atomic<int> done{0};
  pool.run([&] { ++done; });
  ASSERT_TRUE(wait_count(done, 1));
  std::this_thread::sleep_for(50ms);  // past idle_exit: the worker is gone
  pool.run([&] { ++done; });
  EXPECT_TRUE(wait_count(done, 2));
  EXPECT_EQ(pool.threads_started(), 2u);
}

}  // namespace
}  // namespace zccache::daemon
