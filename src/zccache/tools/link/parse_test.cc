#include "zccache/tools/link/parse.h"

#include <gtest/gtest.h>

namespace zccache::tools::link {
namespace {

using Strings = std::vector<std::string>;

TEST(LinkPlan, DriverLinkOfObjectsAndLibraries) {
  LinkPlan plan = make_link_plan({"-o", "prog", "a.o", "b.o", "-L", "lib", "-Lother", "-lfoo", "-l", "bar",
                                  "libz.a", "libq.so.1", "-O2", "-g", "-pthread", "-Wl,--as-needed,-O1",
                                  "-Wl,-rpath,/opt/x", "-Xlinker", "-z", "-Xlinker", "relro", "-Wl,--build-id"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.output, "prog");
  EXPECT_EQ(plan.lib_dirs, (Strings{"lib", "other"}));
  EXPECT_EQ(plan.inputs, (Strings{"a.o", "b.o", "libz.a", "libq.so.1"}));
}

TEST(LinkPlan, DefaultOutputIsAOut) {
  LinkPlan plan = make_link_plan({"a.o"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.output, "a.out");
  EXPECT_EQ(make_link_plan({"-oprog", "a.o", "-shared"}).output, "prog");
}

TEST(LinkPlan, CompileOptionsWithSeparateValuesAreSkipped) {
  // `-I dir` at link time is ignored by the driver, and `dir` is not an input.
  LinkPlan plan = make_link_plan({"-I", "include", "-D", "X=1", "a.o", "-o", "p"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.inputs, (Strings{"a.o"}));
}

TEST(LinkPlan, UnmodelledLinksPassThrough) {
  auto reason = [](Strings args) { return make_link_plan(args).passthrough; };
  EXPECT_EQ(reason({"a.c", "-o", "p"}), Passthrough::kLinkUnsupported);  // compiles inside the link
  EXPECT_EQ(reason({"a.o", "main.cpp"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-flto"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-flto=auto"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-fuse-ld=lld"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-B/opt/bin"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-specs=x.specs"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-T", "x.ld"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-Map=out.map"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-Map,out.map"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,--dependency-file=x.d"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,--version-script=v.map"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,--build-id=uuid"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-L/x"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-rpath"}), Passthrough::kLinkUnsupported);  // value missing
  EXPECT_EQ(reason({"a.o", "-m32"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "--sysroot=/s"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-save-temps"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "--coverage"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-v"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-print-search-dirs"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-o", "p", "-o", "q"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-o"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-L"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "--no-such-option"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "@missing.rsp"}), Passthrough::kResponseFile);
  EXPECT_EQ(reason({"-o", "p"}), Passthrough::kNoSource);
}

TEST(ArPlan, DeterministicReplaceAndQuickAppend) {
  ArPlan plan = make_ar_plan({"rcs", "lib.a", "a.o", "b.o"}, true);
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.archive, "lib.a");
  EXPECT_EQ(plan.members, (Strings{"a.o", "b.o"}));
  EXPECT_FALSE(plan.explicit_deterministic);
  EXPECT_EQ(make_ar_plan({"-qcD", "lib.a", "a.o"}, false).passthrough, Passthrough::kNone);
  EXPECT_EQ(make_ar_plan({"rcsD", "lib.a", "a.o"}, false).passthrough, Passthrough::kNone);
}

TEST(ArPlan, OtherModesPassThrough) {
  auto reason = [](Strings args, bool dflt) { return make_ar_plan(args, dflt).passthrough; };
  EXPECT_EQ(reason({"rcs", "lib.a", "a.o"}, false), Passthrough::kArchiveMode);  // not deterministic
  EXPECT_EQ(reason({"rcsU", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"rcsDU", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"rcu", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"rcT", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"t", "lib.a"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"x", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"d", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"rcs", "lib.a"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"--plugin", "p.so", "rcs", "lib.a", "a.o"}, true), Passthrough::kArchiveMode);
  EXPECT_EQ(reason({"rcs", "lib.a", "@list"}, true), Passthrough::kArchiveMode);
}

}  // namespace
}  // namespace zccache::tools::link
