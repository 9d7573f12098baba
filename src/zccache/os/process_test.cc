#include "zccache/os/process.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace zccache::os {

TEST(RunCapture, CapturesBothStreamsAndExitCode) {
  auto r = run_capture({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->stdout_data, "out\n");
  EXPECT_EQ(r->stderr_data, "err\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST(RunCapture, LargeStderrDoesNotDeadlock) {
  auto r = run_capture({"/bin/sh", "-c", "head -c 1000000 /dev/zero >&2; echo done"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stderr_data.size(), 1000000u);
  EXPECT_EQ(r->stdout_data, "done\n");
}

TEST(RunCapture, ReportsSignal) {
  auto r = run_capture({"/bin/sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->term_signal, 9);
  EXPECT_EQ(r->exit_code, 137);
}

TEST(RunCapture, MissingBinaryIsAnError) { EXPECT_FALSE(run_capture({"/nonexistent/cc"}).ok()); }

TEST(RunInChild, ReturnsTheStatusAndLeavesTheParentUntouched) {
  int touched = 0;
  auto r = run_in_child([&] {
    touched = 1;
    return 7;
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(touched, 0) << "fn ran in this process";
}

TEST(RunInChild, ACrashIsReportedAsItsSignal) {
  auto r = run_in_child([] {
    ::raise(SIGSEGV);
    return 0;
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 128 + SIGSEGV);
}

}  // namespace zccache::os
