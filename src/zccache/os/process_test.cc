#include "zccache/os/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

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

// Reads fd until `want` has arrived or a minute has passed; returns what was read.
std::string read_until(int fd, const std::string& want) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (got.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    struct pollfd p = {fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// The child prints a line and then waits for a file that the test creates only once that line
// has come out of the echo pipe: an echo written after the child's exit would never let it go on
// (it gives up after about two minutes, and the test fails).
TEST(RunCapture, EchoesOutputBeforeTheChildExits) {
  testing::TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  int out_pipe[2], err_pipe[2];
  ASSERT_EQ(::pipe2(out_pipe, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(err_pipe, O_CLOEXEC), 0);
  const std::string marker = dir.file("go-on");
  const std::string script = "echo early; echo first >&2; i=0; while [ ! -e '" + marker +
                             "' ] && [ $i -lt 12000 ]; do sleep 0.01; i=$((i+1)); done; echo late; echo last >&2";
  Result<ProcessOutput> result = make_error(ErrorCode::kIo, "not run");
  std::thread child([&] { result = run_capture({"/bin/sh", "-c", script}, nullptr, {}, Echo{out_pipe[1], err_pipe[1]}); });
  std::string err_seen = read_until(err_pipe[0], "first\n");
  std::string out_seen = read_until(out_pipe[0], "early\n");
  std::ofstream(marker) << "";
  child.join();
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  EXPECT_EQ(err_seen, "first\n");
  EXPECT_EQ(out_seen, "early\n");
  err_seen += read_until(err_pipe[0], "last\n");
  out_seen += read_until(out_pipe[0], "late\n");
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->stderr_data, "first\nlast\n");
  EXPECT_EQ(result->stdout_data, "early\nlate\n");
  EXPECT_EQ(err_seen, result->stderr_data);  // the echo is the capture, byte for byte
  EXPECT_EQ(out_seen, result->stdout_data);
}

TEST(RunCapture, AnEchoThatFailsLeavesTheCaptureWhole) {
  int read_only = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // write() fails on it: EBADF
  ASSERT_GE(read_only, 0);
  auto r = run_capture({"/bin/sh", "-c", "head -c 300000 /dev/zero >&2; echo done"}, nullptr, {},
                       Echo{read_only, read_only});
  ::close(read_only);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->stderr_data.size(), 300000u);
  EXPECT_EQ(r->stdout_data, "done\n");
  EXPECT_EQ(r->exit_code, 0);
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
