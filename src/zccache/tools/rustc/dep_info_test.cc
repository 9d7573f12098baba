#include "zccache/tools/rustc/dep_info.h"

#include <gtest/gtest.h>

namespace zccache::tools::rustc {
namespace {

TEST(DepInfo, FilesAndEnvAsRustcWritesThem) {
  // Written by rustc 1.95 for a crate with a module, env!, option_env! of an unset variable and a
  // value holding a newline and a backslash.
  const char* text =
      "/w/out/proj.d: src/lib.rs src/m.rs\n\n"
      "/w/out/libproj.rmeta: src/lib.rs src/m.rs\n\n"
      "src/lib.rs:\nsrc/m.rs:\n\n"
      "# env-dep:CARGO_PKG_NAME=p\n"
      "# env-dep:WEIRD=a\\nb\\\\c\n"
      "# env-dep:ZZ_UNSET\n";
  auto info = parse_dep_info(text);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->files, (std::vector<std::string>{"src/lib.rs", "src/m.rs"}));
  const std::vector<EnvDep> env = {{"CARGO_PKG_NAME", "p"}, {"WEIRD", "a\nb\\c"}, {"ZZ_UNSET", std::nullopt}};
  EXPECT_EQ(info->env, env);
}

TEST(DepInfo, EscapedSpacesAndEmptyValues) {
  auto info = parse_dep_info("o/x.d: src/with\\ space/a.rs /abs/b.rs\n# env-dep:E=\n");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->files, (std::vector<std::string>{"src/with space/a.rs", "/abs/b.rs"}));
  ASSERT_EQ(info->env.size(), 1u);
  EXPECT_EQ(info->env[0].value, std::optional<std::string>(""));
}

TEST(DepInfo, RejectsWhatIsNotDepInfo) {
  EXPECT_FALSE(parse_dep_info(""));
  EXPECT_FALSE(parse_dep_info("# env-dep:A=1\n"));
  EXPECT_FALSE(parse_dep_info("just words\n"));
  EXPECT_FALSE(parse_dep_info("a.d: b.rs\n# env-dep:A=bad\\q\n"));
}

TEST(ReplaceDir, OnlyWholeDirectoryPrefixes) {
  EXPECT_EQ(replace_dir("/t/deps/a.d: src/a.rs\n/t/deps-x/b /t/deps", "/t/deps", "@OUT@"),
            "@OUT@/a.d: src/a.rs\n/t/deps-x/b /t/deps");
  EXPECT_EQ(replace_dir(replace_dir("x /t/d/y", "/t/d", "\x1b@"), "\x1b@", "/n/d"), "x /n/d/y");
  EXPECT_EQ(replace_dir("abc", "", "z"), "abc");
}

}  // namespace
}  // namespace zccache::tools::rustc
