// The daemon runs on jemalloc when the build found it (cmake/dependencies.cmake says why); a
// build that silently lost it would still work, only spend more time per hit in malloc.
#include <fstream>
#include <sstream>

#include "sandbox.h"

namespace zccache::e2e {
namespace {

TEST(DaemonAllocator, TheRunningDaemonHasTheAllocatorItWasBuiltWith) {
  const std::string allocator = ZCCACHE_DAEMON_ALLOCATOR;
  if (allocator.empty()) GTEST_SKIP() << "built without jemalloc (or with a sanitizer): glibc's malloc";
  Sandbox sb;
  ASSERT_EQ(sb.zccache({"start"}).exit_code, 0);
  auto pid = sb.status_pid();
  ASSERT_TRUE(pid.has_value());
  std::ifstream maps("/proc/" + std::to_string(*pid) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  EXPECT_NE(text.str().find("lib" + allocator), std::string::npos) << text.str();
  // And it serves: a miss and a hit through it.
  sb.write("a.c", "int a(void) { return 1; }\n");
  for (int i = 0; i < 2; ++i) {
    CompileResult r = sb.compile({sb.zccache_bin(), "gcc", "-c", "a.c", "-o", "a.o"}, {"a.o"});
    ASSERT_EQ(r.run.exit_code, 0) << r.run.describe();
    ASSERT_TRUE(sb.wait_for_stored(1));
  }
  EXPECT_EQ(sb.counters().hits, 1u);
}

}  // namespace
}  // namespace zccache::e2e
