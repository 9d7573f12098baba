#include "zccache/daemon/compiler_registry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/os/path.h"
#include "zccache/testing/names_created.h"
#include "zccache/testing/temp_dir.h"
#include "zccache/watcher/watcher.h"

namespace zccache::daemon {
namespace {

TEST(ParseSearchDirs, GccOutput) {
  const char* text =
      "ignoring nonexistent directory \"/usr/local/include/x86_64-linux-gnu\"\n"
      "#include \"...\" search starts here:\n"
      " quoted\n"
      "#include <...> search starts here:\n"
      " inc\n"
      " /usr/lib/gcc/x86_64-linux-gnu/12/include\n"
      " /usr/include\n"
      "End of search list.\n";
  SearchDirs d = parse_search_dirs(text);
  ASSERT_EQ(d.quote.size(), 1u);
  EXPECT_EQ(d.quote[0], "quoted");
  ASSERT_EQ(d.angle.size(), 3u);
  EXPECT_EQ(d.angle[0], "inc");
  EXPECT_EQ(d.angle[2], "/usr/include");
  EXPECT_EQ(d.missing, std::vector<std::string>{"/usr/local/include/x86_64-linux-gnu"});
}

TEST(ParseSearchDirs, SkipsFrameworkDirectories) {
  SearchDirs d = parse_search_dirs(
      "#include <...> search starts here:\n /usr/include\n /Library/Frameworks (framework directory)\nEnd of search list.\n");
  ASSERT_EQ(d.angle.size(), 1u);
}

class RealCompilers : public ::testing::TestWithParam<const char*> {};

TEST_P(RealCompilers, IdentifiesFamilyAndSearchDirs) {
  std::string compiler = std::string("/usr/bin/") + GetParam();
  if (access(compiler.c_str(), X_OK) != 0) GTEST_SKIP() << compiler << " missing";
  fscache::MetadataCache files;
  testing::TempDirForTesting tmp;
  CompilerRegistry registry(files, tmp.path());
  auto info = registry.info(compiler);
  ASSERT_TRUE(info.ok()) << info.error().message;
  bool is_clang = std::string(GetParam()).find("clang") != std::string::npos;
  EXPECT_EQ(info->family, is_clang ? tools::Family::kClang : tools::Family::kGcc);
  tools::Plan plan;
  plan.language = "c";
  plan.probe_args = {"-Isome/dir"};
  auto dirs = registry.search_dirs(compiler, *info, plan, {"PATH=/usr/bin"}, "/tmp");
  ASSERT_TRUE(dirs.ok()) << dirs.error().message;
  ASSERT_FALSE(dirs->angle.empty());
  EXPECT_EQ(dirs->angle.back(), "/usr/include");
  // The invoked name is part of the identity: clang++ behaves differently from clang.
  auto again = registry.info(compiler);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->identity, info->identity);
}

INSTANTIATE_TEST_SUITE_P(Compilers, RealCompilers, ::testing::Values("gcc", "clang", "cc"));

// The SOURCE_DATE_EPOCH probe writes a source file: into the directory it was given (the daemon's
// ZCCACHE_DIR/tmp, 0700), never into /tmp, where anyone may create files.
TEST(CompilerRegistry, ProbeFilesGoToItsOwnDirectory) {
  if (access("/usr/bin/gcc", X_OK) != 0) GTEST_SKIP() << "/usr/bin/gcc missing";
  fscache::MetadataCache files;
  testing::TempDirForTesting tmp;
  CompilerRegistry registry(files, tmp.path());
  Result<CompilerInfo> info = make_error(ErrorCode::kNotFound, "not run");
  // (Watching /tmp itself would see other processes' files.)
  std::vector<std::string> created =
      testing::names_created_in_for_testing(tmp.path(), [&] { info = registry.info("/usr/bin/gcc"); });
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->honors_source_date_epoch) << "gcc >= 7 honours SOURCE_DATE_EPOCH: the probe did not run";
  EXPECT_EQ(created.size(), 1u) << "the probe's source file was not created in its directory";
  EXPECT_TRUE(testing::list_dir_for_testing(tmp.path()).empty()) << "the probe left its file";
}

TEST(CompilerRegistry, UnknownBinaryHasUnknownFamily) {
  fscache::MetadataCache files;
  testing::TempDirForTesting tmp;
  CompilerRegistry registry(files, tmp.path());
  auto info = registry.info("/bin/true");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->family, tools::Family::kUnknown);
  EXPECT_FALSE(registry.info("/nonexistent/gcc").ok());
}

// With a watcher, the registry remembers where an invoked path leads. Re-pointing a link on the
// way (update-alternatives re-points /etc/alternatives/cc) must give the new compiler's answer
// once the daemon has drained the queue, as it does before every request.
TEST(CompilerRegistry, RepointedLinkGivesTheNewCompilerAfterADrain) {
  if (access("/usr/bin/gcc", X_OK) != 0 || access("/usr/bin/clang", X_OK) != 0) GTEST_SKIP() << "needs gcc and clang";
  auto watcher = watcher::make_inotify_watcher();
  if (!watcher) GTEST_SKIP() << "no inotify";
  fscache::MetadataCache files(watcher.get());
  testing::TempDirForTesting tmp;
  const std::string root = os::real_path(tmp.path());
  ASSERT_EQ(::mkdir((root + "/alternatives").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/bin").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/usr/bin/gcc", (root + "/alternatives/cc").c_str()), 0);
  ASSERT_EQ(::symlink("../alternatives/cc", (root + "/bin/cc").c_str()), 0);
  CompilerRegistry registry(files, root);
  const std::string cc = root + "/bin/cc";

  auto first = registry.info(cc);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->family, tools::Family::kGcc);
  auto again = registry.info(cc);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->identity, first->identity);
  EXPECT_EQ(again->real_path, first->real_path);

  ASSERT_EQ(::unlink((root + "/alternatives/cc").c_str()), 0);
  ASSERT_EQ(::symlink("/usr/bin/clang", (root + "/alternatives/cc").c_str()), 0);
  // Not drained yet: the remembered answer (this is what the drain before each request is for).
  auto stale = registry.info(cc);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->identity, first->identity) << "the registry did not remember the resolution";
  watcher->drain();
  auto now = registry.info(cc);
  ASSERT_TRUE(now.ok()) << now.error().message;
  EXPECT_EQ(now->family, tools::Family::kClang);
  EXPECT_EQ(now->real_path, os::real_path("/usr/bin/clang"));
  EXPECT_NE(now->identity, first->identity);
}

}  // namespace
}  // namespace zccache::daemon
