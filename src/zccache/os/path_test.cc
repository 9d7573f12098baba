#include "zccache/os/path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::os {

TEST(Path, DirnameBasename) {
  EXPECT_EQ(dirname_of("a/b/c.h"), "a/b");
  EXPECT_EQ(dirname_of("c.h"), ".");
  EXPECT_EQ(dirname_of("/c.h"), "/");
  EXPECT_EQ(basename_of("a/b/c.h"), "c.h");
  EXPECT_EQ(basename_of("c.h"), "c.h");
}

TEST(Path, AbsoluteFrom) {
  EXPECT_EQ(absolute_from("/w", "a.c"), "/w/a.c");
  EXPECT_EQ(absolute_from("/w/", "../a.c"), "/w/../a.c");
  EXPECT_EQ(absolute_from("/w", "/x/a.c"), "/x/a.c");
}

// The compiler registry caches where /usr/bin/cc leads while the directories of the links it
// followed do not change: the walk must agree with realpath(3) and name every such directory.
TEST(Path, RealPathTracedAgreesWithRealpathAndNamesEveryLinkDirectory) {
  testing::TempDirForTesting tmp;
  const std::string root = real_path(tmp.path());
  ASSERT_EQ(::mkdir((root + "/bin").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/alt").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/lib").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/lib/v1").c_str(), 0755), 0);
  testing::write_file_for_testing(root + "/lib/v1/tool", "#!/bin/sh\n");
  // bin/cc -> ../alt/cc (relative), alt/cc -> <root>/current/tool (absolute), current -> lib/v1
  ASSERT_EQ(::symlink("../alt/cc", (root + "/bin/cc").c_str()), 0);
  ASSERT_EQ(::symlink((root + "/current/tool").c_str(), (root + "/alt/cc").c_str()), 0);
  ASSERT_EQ(::symlink("lib/v1", (root + "/current").c_str()), 0);

  std::vector<std::string> dirs;
  EXPECT_EQ(real_path_traced(root + "/bin/cc", &dirs), root + "/lib/v1/tool");
  EXPECT_EQ(real_path(root + "/bin/cc"), root + "/lib/v1/tool");
  std::sort(dirs.begin(), dirs.end());
  EXPECT_EQ(dirs, (std::vector<std::string>{root, root + "/alt", root + "/bin"}));

  dirs.clear();
  EXPECT_EQ(real_path_traced(root + "/bin/../lib/./v1//tool", &dirs), root + "/lib/v1/tool");
  EXPECT_TRUE(dirs.empty());
  EXPECT_EQ(real_path_traced(root + "/current/../v1/tool", &dirs), root + "/lib/v1/tool")
      << "'..' after a link is taken from where the link leads, as the kernel does";
  EXPECT_EQ(real_path_traced(root + "/missing/tool", &dirs), "");
  EXPECT_EQ(real_path_traced(root + "/lib/v1/tool/x", &dirs), "") << "a file is not a directory";
  EXPECT_EQ(real_path_traced("relative/tool", &dirs), "");
  ASSERT_EQ(::symlink("loop", (root + "/loop").c_str()), 0);
  EXPECT_EQ(real_path_traced(root + "/loop", &dirs), "");
}

}  // namespace zccache::os
