#include "zccache/tools/rustfmt/parse.h"

#include <gtest/gtest.h>

namespace zccache::tools::rustfmt {
namespace {

using Strings = std::vector<std::string>;

TEST(RustfmtPlan, CargoFmtInvocation) {
  // cargo fmt runs `rustfmt --edition 2021 <crate roots>`; `cargo fmt --check` adds --check.
  RustfmtPlan plan = make_plan({"--edition", "2021", "src/lib.rs", "src/main.rs", "--check"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.files, (Strings{"src/lib.rs", "src/main.rs"}));
  EXPECT_EQ(plan.options, (Strings{"--edition=2021"}));
  EXPECT_TRUE(plan.check);
}

TEST(RustfmtPlan, OutputOnlyOptionsStayOutOfTheOptions) {
  EXPECT_EQ(make_plan({"--edition=2021", "a.rs"}).options, make_plan({"-l", "--color", "never", "-q", "--check",
                                                                     "--emit", "files", "--edition", "2021", "a.rs"})
                                                               .options);
  EXPECT_NE(make_plan({"--edition=2021", "a.rs"}).options, make_plan({"--edition=2018", "a.rs"}).options);
  RustfmtPlan plan = make_plan({"--config-path", "cfg/rustfmt.toml", "--config", "max_width=80", "a.rs"});
  EXPECT_EQ(plan.config_path, "cfg/rustfmt.toml");
  EXPECT_EQ(plan.options, (Strings{"--config-path=cfg/rustfmt.toml", "--config=max_width=80"}));
}

TEST(RustfmtPlan, PassthroughReasons) {
  EXPECT_EQ(make_plan({}).passthrough, Passthrough::kStdinInput);
  EXPECT_EQ(make_plan({"--check"}).passthrough, Passthrough::kStdinInput);
  EXPECT_EQ(make_plan({"-"}).passthrough, Passthrough::kStdinInput);
  EXPECT_EQ(make_plan({"-V"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(make_plan({"--print-config", "default", "x"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(make_plan({"-v", "a.rs"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(make_plan({"--backup", "a.rs"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(make_plan({"--emit", "stdout", "a.rs"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(make_plan({"--edition"}).passthrough, Passthrough::kUnsupportedOption);
}

}  // namespace
}  // namespace zccache::tools::rustfmt
