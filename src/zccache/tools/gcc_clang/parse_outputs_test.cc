// make_plan: depfile spec, extra outputs and cwd dependence. The expected names are the ones gcc 12
// and clang 14 produce (parse_compiler_test.cc checks them live).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::tools::gcc_clang {
namespace {

using Strings = std::vector<std::string>;
constexpr Family kBoth[] = {Family::kGcc, Family::kClang};

Plan plan_for(Family family, const Strings& args, const std::string& cwd = "/w") {
  testing::FakeFileReader reader;
  return make_plan(family, args, cwd, {}, reader);
}

struct DepCase {
  Strings args;
  std::string path;
  bool system_headers;
  Strings gcc_targets;
  Strings clang_targets;
  bool phony;
};

TEST(MakePlanDepfile, PathsTargetsAndStyle) {
  const DepCase cases[] = {
      // Default path: the -o name with its extension replaced, else basename(source).d in the cwd.
      {{"-c", "src/a.c", "-MD"}, "a.d", true, {"a.o"}, {"a.o"}, false},
      {{"-c", "src/a.c", "-MMD", "-o", "x/a.o"}, "x/a.d", false, {"x/a.o"}, {"x/a.o"}, false},
      {{"-c", "src/a.c", "-MMD", "-o", "x/a"}, "x/a.d", false, {"x/a"}, {"x/a"}, false},
      {{"-c", "src/a.c", "-MMD", "-o", "x.dir/a"}, "x.dir/a.d", false, {"x.dir/a"}, {"x.dir/a"}, false},
      {{"-c", "src/a.c", "-MMD", "-o", "x/a.b.o"}, "x/a.b.d", false, {"x/a.b.o"}, {"x/a.b.o"}, false},
      {{"-c", "src/a.c", "-MMD", "-o", ".hid"}, ".d", false, {".hid"}, {".hid"}, false},
      {{"-c", "src/s p.c", "-MMD"}, "s p.d", false, {"s\\ p.o"}, {"s\\ p.o"}, false},
      // gcc strips "./" from targets; clang keeps it.
      {{"-c", "a.c", "-MMD", "-o", "./x/c.o"}, "./x/c.d", false, {"x/c.o"}, {"./x/c.o"}, false},
      {{"-c", "a.c", "-MD", "-o", "o dir$#x.o", "-MF", "dep.d"}, "dep.d", true, {"o\\ dir$$\\#x.o"},
       {"o\\ dir$$\\#x.o"}, false},
      // Explicit -MF wins; the last one counts.
      {{"-c", "a.c", "-MD", "-MF", "one.d", "-MFtwo.d"}, "two.d", true, {"a.o"}, {"a.o"}, false},
      // Any -MMD wins over -MD, whatever the order.
      {{"-c", "a.c", "-MMD", "-MD"}, "a.d", false, {"a.o"}, {"a.o"}, false},
      {{"-c", "a.c", "-MD", "-MMD"}, "a.d", false, {"a.o"}, {"a.o"}, false},
      // -MT verbatim, -MQ quoted; gcc puts -MT first (its driver passes -MQ before -MT and libcpp
      // swaps unquoted targets forward), clang keeps command-line order.
      {{"-c", "a.c", "-MMD", "-MQ", "tar get$#.o", "-MT", "raw tar$get.o"}, "a.d", false,
       {"raw tar$get.o", "tar\\ get$$\\#.o"}, {"tar\\ get$$\\#.o", "raw tar$get.o"}, false},
      {{"-c", "a.c", "-MMD", "-MQ", "a", "-MQ", "b", "-MT", "c", "-MQ", "d", "-MT", "e"}, "a.d", false,
       {"c", "e", "d", "a", "b"}, {"a", "b", "c", "d", "e"}, false},
      {{"-c", "a.c", "-MMD", "-MT", "././/x", "-MT", ".\\/y", "-MQ", "./z w"}, "a.d", false,
       {"x", ".\\/y", "z\\ w"}, {"././/x", ".\\/y", "./z\\ w"}, false},
      {{"-c", "a.c", "-MD", "-MP", "-MTjoined"}, "a.d", true, {"joined"}, {"joined"}, true},
  };
  for (Family f : kBoth) {
    for (const DepCase& c : cases) {
      Plan plan = plan_for(f, c.args);
      ASSERT_EQ(plan.passthrough, Passthrough::kNone) << c.args[1];
      EXPECT_TRUE(plan.depfile.requested);
      EXPECT_EQ(plan.depfile.path, c.path) << c.args[1];
      EXPECT_EQ(plan.depfile.system_headers, c.system_headers);
      EXPECT_EQ(plan.depfile.targets, f == Family::kGcc ? c.gcc_targets : c.clang_targets) << plan.depfile.path;
      EXPECT_EQ(plan.depfile.phony_targets, c.phony);
    }
  }
}

TEST(MakePlanDepfile, NotRequestedWithoutMDOrMMD) {
  for (Family f : kBoth) {
    Plan plan = plan_for(f, {"-c", "a.c", "-MF", "x.d", "-MT", "t", "-MP"});
    ASSERT_EQ(plan.passthrough, Passthrough::kNone);
    EXPECT_FALSE(plan.depfile.requested);
    EXPECT_TRUE(plan.depfile.path.empty());
  }
}

struct ExtraCase {
  Strings args;
  Strings gcc_outputs;
  Strings clang_outputs;
};

TEST(MakePlanOutputs, SplitDwarfAndStackUsage) {
  const ExtraCase cases[] = {
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf"}, {"t.dwo"}, {"t.dwo"}},
      {{"-c", "src/t.c", "-gsplit-dwarf", "-g", "-o", "x/a.o"}, {"x/a.dwo"}, {"x/a.dwo"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-o", "x/a"}, {"x/a.dwo"}, {"x/a.dwo"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-o", "x.dir/a"}, {"x.dir/a.dwo"}, {"x.dir/a.dwo"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-o", "x/a.b.o"}, {"x/a.b.dwo"}, {"x/a.b.dwo"}},
      // gcc writes a .dwo for -gsplit-dwarf even without debug info; clang only with it.
      {{"-c", "src/t.c", "-gsplit-dwarf"}, {"t.dwo"}, {}},
      {{"-c", "src/t.c", "-gsplit-dwarf", "-g0"}, {"t.dwo"}, {}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-g0"}, {"t.dwo"}, {}},
      {{"-c", "src/t.c", "-g0", "-gdwarf-5", "-gsplit-dwarf"}, {"t.dwo"}, {"t.dwo"}},
      {{"-c", "src/t.c", "-gline-tables-only", "-gsplit-dwarf"}, {"t.dwo"}, {"t.dwo"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-gno-split-dwarf"}, {}, {}},
      {{"-c", "src/t.c", "-g", "-gno-split-dwarf", "-gsplit-dwarf"}, {"t.dwo"}, {"t.dwo"}},
      {{"-c", "src/t.c", "-fstack-usage", "-fno-stack-usage"}, {}, {}},
      // Assembler sources: clang writes the .dwo even without -g.
      {{"-c", "src/a.S", "-gsplit-dwarf"}, {"a.dwo"}, {"a.dwo"}},
      {{"-c", "src/a.S", "-gsplit-dwarf", "-g0"}, {"a.dwo"}, {"a.dwo"}},
      {{"-c", "src/p.i", "-g", "-gsplit-dwarf"}, {"p.dwo"}, {"p.dwo"}},
  };
  for (Family f : kBoth) {
    for (const ExtraCase& c : cases) {
      Plan plan = plan_for(f, c.args);
      ASSERT_EQ(plan.passthrough, Passthrough::kNone);
      EXPECT_EQ(plan.extra_outputs, f == Family::kGcc ? c.gcc_outputs : c.clang_outputs)
          << (f == Family::kGcc ? "gcc" : "clang") << " " << c.args[2] << " " << c.args[3];
    }
  }
}

TEST(MakePlanOutputs, StackUsage) {
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "src/t.c", "-fstack-usage"}).extra_outputs, Strings({"t.su"}));
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "t.c", "-fstack-usage", "-o", "x/a.b.o"}).extra_outputs,
            Strings({"x/a.b.su"}));
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "t.c", "-g", "-gsplit-dwarf", "-fstack-usage", "-o", "o.o"}).extra_outputs,
            Strings({"o.dwo", "o.su"}));
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "p.i", "-fstack-usage"}).extra_outputs, Strings({"p.su"}));
  // gcc writes no .su for assembler sources.
  Plan asm_plan = plan_for(Family::kGcc, {"-c", "a.S", "-fstack-usage"});
  ASSERT_EQ(asm_plan.passthrough, Passthrough::kNone);
  EXPECT_TRUE(asm_plan.extra_outputs.empty());
  // clang writes the .su only when the source defines a function: not cacheable.
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-fstack-usage"}).passthrough, Passthrough::kUnsupportedOption);
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-fstack-usage", "-fno-stack-usage"}).passthrough,
            Passthrough::kNone);
}

TEST(MakePlanDepfile, PreprocessedInputWritesNoDepfile) {
  for (Family f : kBoth) {
    for (const char* source : {"p.i", "p.ii"}) {
      Plan plan = plan_for(f, {"-c", source, "-MD", "-MF", "p.d"});
      ASSERT_EQ(plan.passthrough, Passthrough::kNone);
      EXPECT_FALSE(plan.depfile.requested) << source;
    }
    Plan asm_plan = plan_for(f, {"-c", "a.S", "-MMD"});
    EXPECT_TRUE(asm_plan.depfile.requested);
    EXPECT_EQ(asm_plan.depfile.path, "a.d");
  }
}

TEST(MakePlanOutputs, ClangSplitDwarfModes) {
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-g", "-gsplit-dwarf=split"}).extra_outputs, Strings({"t.dwo"}));
  EXPECT_TRUE(plan_for(Family::kClang, {"-c", "t.c", "-g", "-gsplit-dwarf=single"}).extra_outputs.empty());
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "t.c", "-g", "-gsplit-dwarf=single"}).passthrough,
            Passthrough::kUnsupportedOption);
  // An unknown -g option might turn debug info on, and with it clang's .dwo.
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-gsplit-dwarf", "-gfuture-thing"}).passthrough,
            Passthrough::kUnsupportedOption);
}

TEST(MakePlanOutputs, OutputNameJoinsTheKeyWhenTheObjectEmbedsIt) {
  // The skeleton object names its .dwo; clang's -frecord-command-line records -o.
  for (Family f : kBoth) {
    Plan plan = plan_for(f, {"-c", "t.c", "-g", "-gsplit-dwarf", "-o", "x.o"});
    EXPECT_EQ(plan.key_args, Strings({"-c", "-g", "-gsplit-dwarf", "-o", "x.o"}));
  }
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-frecord-command-line", "-o", "x.o"}).key_args,
            Strings({"-c", "-frecord-command-line", "-o", "x.o"}));
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-g", "-grecord-gcc-switches", "-o", "x.o"}).key_args,
            Strings({"-c", "-g", "-grecord-gcc-switches", "-o", "x.o"}));
  // gcc records neither (checked: identical objects for different -o).
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "t.c", "-frecord-gcc-switches", "-o", "x.o"}).key_args,
            Strings({"-c", "-frecord-gcc-switches"}));
  EXPECT_EQ(plan_for(Family::kClang, {"-c", "t.c", "-frecord-command-line", "-fno-record-command-line", "-o",
                                      "x.o"}).key_args,
            Strings({"-c", "-frecord-command-line", "-fno-record-command-line"}));
}

struct CwdCase {
  Strings args;
  std::string cwd;
  bool gcc;
  bool clang;
};

TEST(MakePlanCwd, DebugInfoWithoutCoveringPrefixMap) {
  const CwdCase cases[] = {
      {{"-c", "a.c"}, "/w", false, false},
      {{"-c", "a.c", "-O2", "-I", "inc"}, "/w", false, false},
      {{"-c", "a.c", "-g"}, "/w", true, true},
      {{"-c", "a.c", "-g3"}, "/w", true, true},
      {{"-c", "a.c", "-ggdb"}, "/w", true, true},
      {{"-c", "a.c", "-gdwarf-4"}, "/w", true, true},
      {{"-c", "a.c", "-g", "-g0"}, "/w", false, false},
      {{"-c", "a.c", "-g0"}, "/w", false, false},
      {{"-c", "a.c", "-g", "-fdebug-prefix-map=/w=."}, "/w", false, false},
      {{"-c", "a.c", "-g", "-fdebug-prefix-map=/w/=."}, "/w", true, true},     // "/w/" is no prefix of "/w"
      {{"-c", "a.c", "-g", "-fdebug-prefix-map=/w/=."}, "/w/", false, false},
      {{"-c", "a.c", "-g", "-ffile-prefix-map=/w=/src"}, "/w", false, false},
      {{"-c", "a.c", "-g", "-fdebug-prefix-map=/w=."}, "/w/sub", true, true},   // leaves "/sub"
      {{"-c", "a.c", "-g", "-fdebug-prefix-map=/x=."}, "/w", true, true},
      {{"-c", "a.c", "-g", "-fdebug-prefix-map=/w=.", "-fdebug-prefix-map=/=/r"}, "/w", true, true},
      {{"-c", "a.c", "-g", "-fmacro-prefix-map=/w=."}, "/w", true, true},       // __FILE__ only
      {{"-c", "a.c", "-g", "-fdebug-prefix-map"}, "/w", true, true},            // missing: not covering
      {{"-c", "a.c", "-g", "-fdebug-compilation-dir=."}, "/w", false, false},
      {{"-c", "a.c", "-g", "-fdebug-compilation-dir", "/x"}, "/w", false, false},
      {{"-c", "a.c", "-gsomething-new"}, "/w", true, true},                    // unknown -g: assume on
      {{"-c", "a.c", "-frecord-command-line"}, "/w", false, true},
  };
  for (const CwdCase& c : cases) {
    for (Family f : kBoth) {
      Plan plan = plan_for(f, c.args, c.cwd);
      if (plan.passthrough != Passthrough::kNone) {
        ADD_FAILURE() << c.args.back() << ": " << reason_name(plan.passthrough);
        continue;
      }
      EXPECT_EQ(plan.cwd_matters, f == Family::kGcc ? c.gcc : c.clang)
          << (f == Family::kGcc ? "gcc " : "clang ") << c.args.back() << " in " << c.cwd;
    }
  }
}

}  // namespace
}  // namespace zccache::tools::gcc_clang
