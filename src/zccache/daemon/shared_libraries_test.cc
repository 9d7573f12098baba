#include "zccache/daemon/shared_libraries.h"

#include <gtest/gtest.h>

namespace zccache::daemon {
namespace {

TEST(SharedLibraries, ParsesLddOutput) {
  bool complete = false;
  auto libs = parse_ldd(
      "\tlinux-vdso.so.1 (0x00007ffd)\n"
      "\tlibbfd-2.40-system.so => /lib/x86_64-linux-gnu/libbfd-2.40-system.so (0x00007f8f80736000)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f8f8050d000)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f8f80a05000)\n",
      &complete);
  EXPECT_TRUE(complete);
  EXPECT_EQ(libs, (std::vector<std::string>{"/lib/x86_64-linux-gnu/libbfd-2.40-system.so",
                                            "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}));
}

TEST(SharedLibraries, AMissingLibraryMakesTheListIncomplete) {
  bool complete = true;
  auto libs = parse_ldd("\tlibLLVM-14.so.1 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x1)\n", &complete);
  EXPECT_FALSE(complete);
  EXPECT_EQ(libs, (std::vector<std::string>{"/lib/libc.so.6"}));
}

TEST(SharedLibraries, RealLinkerLoadsItsLibraries) {
  bool complete = false;
  auto libs = shared_libraries("/bin/sh", &complete);
  EXPECT_TRUE(complete);
  EXPECT_FALSE(libs.empty());  // libc at least
}

}  // namespace
}  // namespace zccache::daemon
