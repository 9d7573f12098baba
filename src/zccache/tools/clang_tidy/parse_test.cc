#include "zccache/tools/clang_tidy/parse.h"

#include <gtest/gtest.h>

namespace zccache::tools::clang_tidy {
namespace {

using Strings = std::vector<std::string>;

TEST(TidyPlan, FixedFlagsForm) {
  TidyPlan plan = make_plan({"--checks=-*,readability-*", "-quiet", "src/a.cpp", "--", "-std=c++17", "-Iinc"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.source, "src/a.cpp");
  EXPECT_TRUE(plan.fixed_flags);
  EXPECT_EQ(plan.compile_flags, (Strings{"-std=c++17", "-Iinc"}));
  EXPECT_EQ(plan.options, (Strings{"--checks=-*,readability-*", "-quiet"}));
  EXPECT_EQ(plan.scan_options, (Strings{"-quiet"}));  // --checks left for the scan run to set
}

TEST(TidyPlan, DatabaseForm) {
  TidyPlan plan = make_plan({"-p", "build", "-checks", "misc-*", "--config-file=cfg/tidy.yaml", "a.cpp"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.build_path, "build");
  EXPECT_EQ(plan.config_file, "cfg/tidy.yaml");
  EXPECT_FALSE(plan.fixed_flags);
  EXPECT_EQ(plan.source, "a.cpp");
  EXPECT_EQ(plan.options, (Strings{"-p", "build", "-checks", "misc-*", "--config-file=cfg/tidy.yaml"}));
  EXPECT_EQ(plan.scan_options, (Strings{"-p", "build", "--config-file=cfg/tidy.yaml"}));
  EXPECT_EQ(make_plan({"--p=build", "a.cpp"}).build_path, "build");
}

TEST(TidyPlan, ValueOptionsDoNotBecomeSources) {
  TidyPlan plan = make_plan({"--header-filter", ".*", "--extra-arg", "-DX", "--warnings-as-errors", "*", "a.cpp", "--"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.source, "a.cpp");
  EXPECT_TRUE(plan.compile_flags.empty());
}

TEST(TidyPlan, PassthroughReasons) {
  EXPECT_EQ(make_plan({"-fix", "a.cpp", "--"}).passthrough, Passthrough::kTidyWritesFiles);
  EXPECT_EQ(make_plan({"--fix-errors", "a.cpp", "--"}).passthrough, Passthrough::kTidyWritesFiles);
  EXPECT_EQ(make_plan({"--fix-notes", "a.cpp", "--"}).passthrough, Passthrough::kTidyWritesFiles);
  EXPECT_EQ(make_plan({"--export-fixes", "f.yaml", "a.cpp", "--"}).passthrough, Passthrough::kTidyWritesFiles);
  EXPECT_EQ(make_plan({"--export-fixes=f.yaml", "a.cpp", "--"}).passthrough, Passthrough::kTidyWritesFiles);
  EXPECT_EQ(make_plan({"--store-check-profile=d", "a.cpp", "--"}).passthrough, Passthrough::kTidyWritesFiles);
  EXPECT_EQ(make_plan({"a.cpp", "b.cpp", "--"}).passthrough, Passthrough::kMultipleSources);
  EXPECT_EQ(make_plan({"--", "a.cpp"}).passthrough, Passthrough::kNoSource);  // after -- it is a flag
  EXPECT_EQ(make_plan({"a.cpp"}).passthrough, Passthrough::kTidyNoCompileCommand);
  EXPECT_EQ(make_plan({"--version"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(make_plan({"--list-checks", "a.cpp", "--"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(make_plan({"--dump-config", "a.cpp", "--"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(make_plan({"--enable-check-profile", "a.cpp", "--"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(make_plan({"--vfsoverlay=o.yaml", "a.cpp", "--"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(make_plan({"--no-such-option", "a.cpp", "--"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(make_plan({"a.cpp", "--checks"}).passthrough, Passthrough::kUnsupportedOption);  // value missing
  EXPECT_EQ(make_plan({"@args.rsp", "a.cpp", "--"}).passthrough, Passthrough::kResponseFile);
  EXPECT_EQ(make_plan({"-", "--"}).passthrough, Passthrough::kStdinInput);
}

TEST(TidyPlan, ReasonNamesAreStable) {
  EXPECT_EQ(reason_name(Passthrough::kTidyWritesFiles), "tidy_writes_files");
  EXPECT_EQ(reason_name(Passthrough::kTidyNoCompileCommand), "tidy_no_compile_command");
}

}  // namespace
}  // namespace zccache::tools::clang_tidy
