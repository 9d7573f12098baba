#include "zccache/tools/clang_tidy/iwyu.h"

#include <gtest/gtest.h>

namespace zccache::tools::clang_tidy {
namespace {

using Strings = std::vector<std::string>;

IwyuPlan plan_of(const Strings& args) { return make_iwyu_plan(args, "/work", {}); }

TEST(IwyuPlan, FindsTheSourceAndTheMappingFiles) {
  IwyuPlan plan = plan_of({"-Xiwyu", "--mapping_file=a.imp", "-Xiwyu", "--mapping_file", "-Xiwyu", "b.imp",
                           "-Xiwyu", "--no_comments", "-std=c++17", "-I", "inc", "-c", "src/a.cpp", "-o", "a.o"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.source, "src/a.cpp");
  EXPECT_EQ(plan.mapping_files, (Strings{"a.imp", "b.imp"}));
}

TEST(IwyuPlan, WithoutDashC) {
  IwyuPlan plan = plan_of({"-DX=1", "-Iinc", "a.cpp"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.source, "a.cpp");
}

TEST(IwyuPlan, PassthroughReasons) {
  EXPECT_EQ(plan_of({"-Xiwyu", "--version"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(plan_of({"@flags", "a.cpp"}).passthrough, Passthrough::kResponseFile);
  EXPECT_EQ(plan_of({"-c", "a.cpp", "-Xiwyu"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(plan_of({"-Iinc"}).passthrough, Passthrough::kNoSource);
  EXPECT_EQ(plan_of({"-c", "-"}).passthrough, Passthrough::kStdinInput);
  EXPECT_EQ(plan_of({"-c", "a.cpp", "b.cpp"}).passthrough, Passthrough::kMultipleSources);
}

}  // namespace
}  // namespace zccache::tools::clang_tidy
