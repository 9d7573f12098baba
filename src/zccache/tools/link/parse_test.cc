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
  EXPECT_EQ(reason({"a.o", "-fuse-ld=mold"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-fuse-ld=/opt/bin/ld.lld"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "--ld-path=/opt/bin/ld.lld"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-B/opt/bin"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-specs=x.specs"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-T", "x.ld"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-Map=-"}), Passthrough::kLinkUnsupported);      // stdout
  EXPECT_EQ(reason({"a.o", "-Wl,-Map=%.map"}), Passthrough::kLinkUnsupported);  // ld names it after -o
  EXPECT_EQ(reason({"a.o", "-Wl,-Map"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-Map=a.map", "-Wl,-Map=b.map"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-l:libf.a"}), Passthrough::kLinkUnsupported);  // not covered by the search check
  EXPECT_EQ(reason({"a.o", "-l", ":libf.a"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,--export-dynamic-symbol-list=x"}), Passthrough::kLinkUnsupported);
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

TEST(LinkPlan, FuseLdNamesTheLinker) {
  EXPECT_EQ(make_link_plan({"a.o"}).linker, "ld");
  EXPECT_EQ(make_link_plan({"a.o", "-fuse-ld=lld"}).linker, "ld.lld");
  EXPECT_EQ(make_link_plan({"-fuse-ld=gold", "a.o"}).linker, "ld.gold");
  EXPECT_EQ(make_link_plan({"-fuse-ld=lld", "a.o", "-fuse-ld=bfd"}).linker, "ld.bfd");  // the last one wins
}

TEST(LinkPlan, MapFileInEveryForm) {
  struct Case {
    Strings args;
    std::string map;
  };
  for (const Case& c : {Case{{"a.o", "-Wl,-Map=out.map"}, "out.map"}, Case{{"a.o", "-Wl,-Map,out.map"}, "out.map"},
                        Case{{"a.o", "-Wl,--Map=d/out.map"}, "d/out.map"},
                        Case{{"a.o", "-Wl,--as-needed,-Map,m.map,--gc-sections"}, "m.map"},
                        Case{{"a.o", "-Xlinker", "-Map", "-Xlinker", "x.map"}, "x.map"},
                        Case{{"a.o", "-Xlinker", "-Map=y.map"}, "y.map"}}) {
    LinkPlan plan = make_link_plan(c.args);
    ASSERT_EQ(plan.passthrough, Passthrough::kNone) << c.args[1];
    EXPECT_EQ(plan.map_file, c.map);
  }
}

TEST(LinkPlan, RedirectOutputsRewritesOutputAndMapInPlace) {
  Strings args{"-o", "prog", "a.o", "-Wl,--as-needed,-Map,m.map,--gc-sections"};
  LinkPlan plan = make_link_plan(args);
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(redirect_outputs(args, plan, "/t/prog", "/t/m.map"),
            (Strings{"-o", "/t/prog", "a.o", "-Wl,--as-needed,-Map,/t/m.map,--gc-sections"}));
  Strings joined{"-oprog", "a.o", "-Wl,-Map=m.map,-O1"};
  plan = make_link_plan(joined);
  EXPECT_EQ(redirect_outputs(joined, plan, "/t/p", "/t/x.map"), (Strings{"-o/t/p", "a.o", "-Wl,-Map=/t/x.map,-O1"}));
  Strings none{"a.o"};
  plan = make_link_plan(none);
  EXPECT_EQ(redirect_outputs(none, plan, "/t/a.out", ""), (Strings{"a.o", "-o", "/t/a.out"}));
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
