#include "zccache/tools/emscripten/options.h"

#include <gtest/gtest.h>

namespace zccache::tools::emscripten {
namespace {

TEST(EmccOptions, TableIsSortedWithoutDuplicates) {
  auto table = emcc_option_table();
  for (size_t i = 1; i < table.size(); ++i) EXPECT_LT(table[i - 1].name, table[i].name) << table[i].name;
}

TEST(EmccOptions, SettingsAsEmccReadsThem) {
  std::vector<std::string> args{"-sEXPORTED_FUNCTIONS=_main", "-s", "ALLOW_MEMORY_GROWTH", "-s", "-o", "-std=c11",
                                "-sfoo"};
  EmccArg a = find_emcc_arg(args, 0);
  EXPECT_TRUE(a.setting);
  EXPECT_EQ(a.value, "EXPORTED_FUNCTIONS=_main");
  EXPECT_EQ(a.next, 1u);
  EmccArg b = find_emcc_arg(args, 1);
  EXPECT_TRUE(b.setting);
  EXPECT_EQ(b.value, "ALLOW_MEMORY_GROWTH");
  EXPECT_EQ(b.next, 3u);
  EXPECT_FALSE(find_emcc_arg(args, 3).setting);  // `-s -o`: the linker's --strip-all
  EXPECT_FALSE(find_emcc_arg(args, 5).setting);  // -std=c11
  EXPECT_FALSE(find_emcc_arg(args, 6).setting);  // not upper case
}

TEST(EmccOptions, ValuesSeparateOrAfterEquals) {
  std::vector<std::string> args{"--pre-js", "pre.js", "--js-library=lib.js", "--emrun", "--emrun=1", "--pre-js"};
  EmccArg a = find_emcc_arg(args, 0);
  ASSERT_TRUE(a.info);
  EXPECT_EQ(a.info->kind, EmccKind::kJsInput);
  EXPECT_EQ(a.value, "pre.js");
  EXPECT_EQ(a.next, 2u);
  EmccArg b = find_emcc_arg(args, 2);
  ASSERT_TRUE(b.info);
  EXPECT_EQ(b.value, "lib.js");
  EXPECT_EQ(b.next, 3u);
  EXPECT_TRUE(find_emcc_arg(args, 3).info);
  EXPECT_FALSE(find_emcc_arg(args, 4).info);  // a flag takes no "=value"
  EXPECT_FALSE(find_emcc_arg(args, 5).info);  // value missing
  EXPECT_EQ(emcc_option_match(args, 0).info->flags, gcc_clang::kSeparate);
  EXPECT_EQ(emcc_option_match(args, 2).info->flags, gcc_clang::kNoArg);
}

TEST(EmccOptions, SettingEffects) {
  EXPECT_EQ(setting_effect("ALLOW_MEMORY_GROWTH"), SettingEffect::kKeyed);
  EXPECT_EQ(setting_effect("USE_SDL=2"), SettingEffect::kUnmodelled);
  EXPECT_EQ(setting_effect("EXPORTED_FUNCTIONS=@exports.txt"), SettingEffect::kUnmodelled);
  EXPECT_EQ(setting_effect("USE_PTHREADS"), SettingEffect::kLinkOutputs);
  EXPECT_EQ(setting_effect("WASM=0"), SettingEffect::kLinkOutputs);
  EXPECT_EQ(setting_effect("SINGLE_FILE=1"), SettingEffect::kLinkOutputs);
}

}  // namespace
}  // namespace zccache::tools::emscripten
