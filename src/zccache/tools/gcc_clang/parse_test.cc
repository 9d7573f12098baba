#include "zccache/tools/gcc_clang/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/gcc_clang/options.h"

namespace zccache::tools::gcc_clang {
namespace {

using Strings = std::vector<std::string>;
constexpr Family kBoth[] = {Family::kGcc, Family::kClang};

Plan plan_for(Family family, const Strings& args, const std::string& cwd = "/w", const Strings& env = {}) {
  testing::FakeFileReader reader;
  return make_plan(family, args, cwd, env, reader);
}

std::string describe(const Strings& args) {
  std::string out;
  for (const std::string& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

struct ReasonCase {
  Strings args;
  Passthrough reason;
};

TEST(MakePlan, PassthroughReasons) {
  const ReasonCase cases[] = {
      {{"a.c", "-o", "a"}, Passthrough::kLinking},
      {{"a.o", "b.o", "-o", "app"}, Passthrough::kLinking},
      {{"-S", "a.c"}, Passthrough::kAssemblyOutput},
      {{"-c", "-S", "a.c"}, Passthrough::kAssemblyOutput},
      {{"-E", "a.c"}, Passthrough::kPreprocessOnly},
      {{"-c", "-E", "a.c"}, Passthrough::kPreprocessOnly},
      {{"-c", "-M", "a.c"}, Passthrough::kPreprocessOnly},
      {{"-c", "-MM", "a.c"}, Passthrough::kPreprocessOnly},
      {{"-c"}, Passthrough::kNoSource},
      {{"-c", "-o", "a.o"}, Passthrough::kNoSource},
      {{"-c", "a.c", "b.c", "-o", "x.o"}, Passthrough::kMultipleSources},
      {{"-c", "a.c", "b.c", "-MD", "-MF", "x.d"}, Passthrough::kMultipleSources},
      {{"-c", "a.c", "b.c", "-MD", "-MT", "x"}, Passthrough::kMultipleSources},
      {{"-c", "a.c", "b.c", "-MD", "-MQ", "x"}, Passthrough::kMultipleSources},
      {{"-c", "a.c", "-x", "c++", "b.c"}, Passthrough::kMultipleSources},
      {{"-c", "x/a.c", "y/a.cpp"}, Passthrough::kMultipleSources},
      {{"-c", "a.c", "b.o"}, Passthrough::kUnknownLanguage},
      {{"-c", "a.c", "-"}, Passthrough::kStdinInput},
      {{"-c", ""}, Passthrough::kMissingSource},
      {{"-x", "c++", "-c", "a.h", ""}, Passthrough::kMissingSource},
      {{"-c", "-x", "c", "-"}, Passthrough::kStdinInput},
      {{"-c", "-save-temps", "a.c"}, Passthrough::kSaveTemps},
      {{"-c", "-save-temps=obj", "a.c"}, Passthrough::kSaveTemps},
      {{"-c", "--save-temps", "a.c"}, Passthrough::kSaveTemps},
      {{"-c", "-fprofile-generate", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "-fprofile-generate=/p", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "-fprofile-arcs", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "--coverage", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "-ftest-coverage", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "-fprofile-instr-generate", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "-fcs-profile-generate=x", "a.c"}, Passthrough::kProfileGenerate},
      {{"-c", "-arch", "x86_64", "-arch", "arm64", "a.c"}, Passthrough::kMultipleArch},
      {{"--version"}, Passthrough::kInformational},
      {{"-v", "-c", "a.c"}, Passthrough::kInformational},
      {{"-###", "-c", "a.c"}, Passthrough::kInformational},
      {{"--help"}, Passthrough::kInformational},
      {{"--help=optimizers"}, Passthrough::kInformational},
      {{"-dumpversion"}, Passthrough::kInformational},
      {{"-dumpmachine"}, Passthrough::kInformational},
      {{"-print-search-dirs"}, Passthrough::kInformational},
      {{"-print-file-name=libc.a"}, Passthrough::kInformational},
      {{"-c", "-fsyntax-only", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-fdump-tree-all", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-fprofile-use=p.profdata", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-fplugin=x.so", "a.c"}, Passthrough::kUnsupportedOption},
      // Files they name change the compile but are not hashed.
      {{"-c", "-specs=/usr/lib/rpm/redhat/redhat-hardened-cc1", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-B/opt/gcc/bin", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-B", "/opt/gcc/bin", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-fmodules", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-fsave-optimization-record", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-ftime-trace", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-Wp,-MD,.a.o.d", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-Xpreprocessor", "-MMD", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-Wa,-adhln=a.lst", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-Xassembler", "--gdwarf-5", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-Xclang", "-include-pch", "-Xclang", "p.pch", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-MG", "-MD", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-MJ", "cdb.json", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-dumpbase", "x", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-dM", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-emit-llvm", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-gmodules", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "--frobnicate", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "-Zfoo", "a.c"}, Passthrough::kUnsupportedOption},
      {{"-c", "a.c", "-o"}, Passthrough::kUnsupportedOption},  // -o without its argument
      // Found by fuzzing: an empty output name (clang writes a.o and ".d"; gcc fails).
      {{"-c", "a.c", "-o", ""}, Passthrough::kUnsupportedOption},
      {{"-c", "a.c", "-MD", "-MF", ""}, Passthrough::kUnsupportedOption},
      {{"-c", "a.h"}, Passthrough::kUnknownLanguage},
      {{"-c", "a.s"}, Passthrough::kUnknownLanguage},
      {{"-c", "a.o"}, Passthrough::kUnknownLanguage},
      {{"-c", "noext"}, Passthrough::kUnknownLanguage},
      {{"-c", "a.cu"}, Passthrough::kUnknownLanguage},
      {{"-c", "-x", "c-header", "a.h"}, Passthrough::kUnknownLanguage},
      {{"-c", "-x", "assembler", "a.S"}, Passthrough::kUnknownLanguage},
      {{"-c", "a.c", "-o", "-"}, Passthrough::kOutputNotRegular},
      {{"-c", "a.c", "-MD", "-MF", "-"}, Passthrough::kOutputNotRegular},
      {{"-c", "@missing.rsp", "a.c"}, Passthrough::kResponseFile},
      {{"-c", "a.c", "-o", "a.o"}, Passthrough::kNone},
  };
  for (Family f : kBoth) {
    for (const ReasonCase& c : cases) {
      Plan plan = plan_for(f, c.args);
      EXPECT_EQ(reason_name(plan.passthrough), reason_name(c.reason)) << describe(c.args);
      EXPECT_EQ(plan.family, f);
      EXPECT_EQ(plan.args, c.args);
    }
  }
}

TEST(MakePlan, DependencyEnvironment) {
  for (const char* var : {"DEPENDENCIES_OUTPUT=deps.d", "SUNPRO_DEPENDENCIES=deps.d t"}) {
    Plan plan = plan_for(Family::kGcc, {"-c", "a.c"}, "/w", {"PATH=/bin", var});
    EXPECT_EQ(plan.passthrough, Passthrough::kDependencyEnv) << var;
  }
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "a.c"}, "/w", {"DEPENDENCIES=x"}).passthrough, Passthrough::kNone);
}

TEST(MakePlan, UnknownFamily) {
  EXPECT_EQ(plan_for(Family::kUnknown, {"-c", "a.c"}).passthrough, Passthrough::kUnknownCompiler);
}

// Every option that takes a separate argument must consume it: "value.c" is never a second source.
TEST(MakePlan, SeparateArgumentsAreNeverSources) {
  for (Family f : kBoth) {
    for (const OptionInfo& info : option_table()) {
      if ((info.flags & kSeparate) == 0) continue;
      Strings args = {"-c", std::string(info.name), "value.c", "a.c"};
      Plan plan = plan_for(f, args);
      EXPECT_NE(plan.passthrough, Passthrough::kMultipleSources) << info.name;
      if (plan.passthrough == Passthrough::kNone) {
        EXPECT_EQ(plan.source, "a.c") << info.name;
      }
    }
  }
}

struct CommandCase {
  Family family;
  Strings args;
  std::string source;
  std::string object;
  std::string language;
};

TEST(MakePlan, RealBuildCommandsAreCacheable) {
  const CommandCase cases[] = {
      // CMake (Ninja generator), gcc and clang.
      {Family::kGcc,
       {"-DFOO=1", "-I/src/include", "-isystem", "/opt/inc", "-O2", "-g", "-DNDEBUG", "-fPIC", "-std=gnu++20",
        "-MD", "-MT", "CMakeFiles/t.dir/a.cc.o", "-MF", "CMakeFiles/t.dir/a.cc.o.d", "-o",
        "CMakeFiles/t.dir/a.cc.o", "-c", "/src/a.cc"},
       "/src/a.cc", "CMakeFiles/t.dir/a.cc.o", "c++"},
      {Family::kClang,
       {"-DFOO", "-I/src/include", "-O3", "-fcolor-diagnostics", "-Xclang", "-fno-pch-timestamp", "-MD", "-MT",
        "x.o", "-MF", "x.o.d", "-o", "x.o", "-c", "/src/x.c"},
       "/src/x.c", "x.o", "c"},
      // autotools with depcomp.
      {Family::kGcc,
       {"-DHAVE_CONFIG_H", "-I.", "-I..", "-g", "-O2", "-MT", "foo.o", "-MD", "-MP", "-MF", ".deps/foo.Tpo", "-c",
        "-o", "foo.o", "foo.c"},
       "foo.c", "foo.o", "c"},
      // Meson.
      {Family::kGcc,
       {"-Ilib.p", "-I.", "-I..", "-fdiagnostics-color=always", "-D_FILE_OFFSET_BITS=64", "-Wall", "-Winvalid-pch",
        "-O0", "-g", "-fPIC", "-MD", "-MQ", "lib.p/a.c.o", "-MF", "lib.p/a.c.o.d", "-o", "lib.p/a.c.o", "-c",
        "../a.c"},
       "../a.c", "lib.p/a.c.o", "c"},
      // Debian and Fedora hardening flags.
      {Family::kGcc,
       {"-g", "-O2", "-ffile-prefix-map=/build/p=.", "-fstack-protector-strong", "-Wformat",
        "-Werror=format-security", "-Wdate-time", "-D_FORTIFY_SOURCE=2", "-c", "x.c"},
       "x.c", "x.o", "c"},
      {Family::kGcc,
       {"-O2", "-flto=auto", "-ffat-lto-objects", "-fexceptions", "-g", "-grecord-gcc-switches", "-pipe", "-Wall",
        "-Wp,-D_FORTIFY_SOURCE=2", "-Wp,-D_GLIBCXX_ASSERTIONS",
        "-fstack-clash-protection", "-fcf-protection", "-m64", "-mtune=generic", "-fasynchronous-unwind-tables",
        "-c", "x.cpp"},
       "x.cpp", "x.o", "c++"},
      // Kernel-style flags without the -Wp,-MD depfile.
      {Family::kGcc,
       {"-nostdinc", "-isystem", "/usr/lib/gcc/x86_64-linux-gnu/12/include", "-include", "./include/linux/kconfig.h",
        "-D__KERNEL__", "-mno-sse", "-mno-red-zone", "-mcmodel=kernel", "-fno-PIE", "-Wa,--noexecstack",
        "-fno-strict-aliasing", "-std=gnu11", "-c", "-o", "kernel/fork.o", "kernel/fork.c"},
       "kernel/fork.c", "kernel/fork.o", "c"},
      // Misc: joined forms, -x, link-only flags that -c ignores, --param, -Xlinker.
      {Family::kClang,
       {"-xc++", "-c", "weird.txt", "-ofoo.o", "-Iinc", "-DX=1", "--param", "max-inline-insns-single=10",
        "-Xlinker", "--as-needed", "-lm", "-L/lib", "-pthread", "-target", "x86_64-linux-gnu", "--sysroot=/s",
        "-stdlib=libc++", "-w", "-pedantic", "-ansi", "-trigraphs", "-undef", "-P", "-C", "-nostdinc++",
        "-mllvm", "-inline-threshold=100", "-idirafter", "/d", "-iquote", "q", "-imacros", "m.h",
        "-isysroot", "/s", "-fmacro-prefix-map=/src=.", "-fno-color-diagnostics", "-arch", "x86_64"},
       "weird.txt", "foo.o", "c++"},
  };
  for (const CommandCase& c : cases) {
    Plan plan = plan_for(c.family, c.args);
    ASSERT_EQ(plan.passthrough, Passthrough::kNone) << describe(c.args) << ": " << reason_name(plan.passthrough);
    EXPECT_EQ(plan.source, c.source) << describe(c.args);
    EXPECT_EQ(plan.object, c.object) << describe(c.args);
    EXPECT_EQ(plan.language, c.language) << describe(c.args);
  }
}

TEST(MakePlan, LanguageFromExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"a.c", "c"},         {"a.cc", "c++"},     {"a.cpp", "c++"},   {"a.cxx", "c++"},
      {"a.c++", "c++"},     {"a.C", "c++"},      {"a.cp", "c++"},    {"a.CPP", "c++"},
      {"a.m", "objective-c"}, {"a.mm", "objective-c++"}, {"a.M", "objective-c++"},
      {"a.S", "assembler-with-cpp"}, {"a.sx", "assembler-with-cpp"}, {"a.i", "cpp-output"},
      {"a.ii", "c++-cpp-output"}, {"dir.v2/a.c", "c"},
  };
  for (Family f : kBoth) {
    for (const auto& [source, language] : cases) {
      Plan plan = plan_for(f, {"-c", source});
      ASSERT_EQ(plan.passthrough, Passthrough::kNone) << source;
      EXPECT_EQ(plan.language, language) << source;
    }
  }
}

TEST(MakePlan, LastXBeforeTheSourceWins) {
  Plan plan = plan_for(Family::kGcc, {"-x", "c", "-x", "c++", "-c", "a.c"});
  EXPECT_EQ(plan.language, "c++");
  plan = plan_for(Family::kGcc, {"-x", "c++", "-x", "none", "-c", "a.c"});
  EXPECT_EQ(plan.language, "c");
  plan = plan_for(Family::kGcc, {"-c", "a.c", "-x", "c++"});  // -x after the input has no effect
  EXPECT_EQ(plan.language, "c");
  plan = plan_for(Family::kClang, {"-x", "objective-c", "-c", "a.c"});
  EXPECT_EQ(plan.language, "objective-c");
}

TEST(MakePlan, ObjectName) {
  for (Family f : kBoth) {
    EXPECT_EQ(plan_for(f, {"-c", "src/a.c"}).object, "a.o");
    EXPECT_EQ(plan_for(f, {"-c", "src/a.b.cpp"}).object, "a.b.o");
    EXPECT_EQ(plan_for(f, {"-c", "dir.x/a.c"}).object, "a.o");
    EXPECT_EQ(plan_for(f, {"-c", "src/a.c", "-o", "x/y.o"}).object, "x/y.o");
    EXPECT_EQ(plan_for(f, {"-c", "src/a.c", "-o", "first.o", "-o", "last.o"}).object, "last.o");
    EXPECT_EQ(plan_for(f, {"-c", "src/a.c", "-ojoined.o"}).object, "joined.o");
  }
}

TEST(MakePlan, ResponseFilesAreExpandedFirst) {
  testing::FakeFileReader reader;
  reader.add("/w/args.rsp", "-c -o 'out dir/a.o' -DX=\"1 2\" @nested");
  reader.add("/w/nested", "src/a.c");
  Plan plan = make_plan(Family::kGcc, {"-O2", "@args.rsp"}, "/w", {}, reader);
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.args, Strings({"-O2", "-c", "-o", "out dir/a.o", "-DX=1 2", "src/a.c"}));
  EXPECT_EQ(plan.source, "src/a.c");
  EXPECT_EQ(plan.object, "out dir/a.o");
  EXPECT_EQ(plan.key_args, Strings({"-O2", "-c", "-DX=1 2"}));

  reader.add("/w/loop", "@loop");
  plan = make_plan(Family::kClang, {"-c", "a.c", "@loop"}, "/w", {}, reader);
  EXPECT_EQ(plan.passthrough, Passthrough::kResponseFile);
}

TEST(MakePlan, KeyArgsDropSourceOutputAndDepfileOptions) {
  for (Family f : kBoth) {
    Plan plan = plan_for(f, {"-DB", "-MD", "-c", "-Ia", "-MF", "x.d", "-o", "x.o", "-MT", "t", "-MQ", "q", "-MP",
                             "a.c", "-MMD", "-MTjoined", "-MFj.d", "-DA", "-Ib"});
    ASSERT_EQ(plan.passthrough, Passthrough::kNone);
    EXPECT_EQ(plan.key_args, Strings({"-DB", "-c", "-Ia", "-DA", "-Ib"}));
    EXPECT_EQ(plan.probe_args, Strings({"-DB", "-Ia", "-DA", "-Ib"}));
  }
}

TEST(MakePlan, KeyArgsKeepOrder) {
  Plan ab = plan_for(Family::kGcc, {"-c", "-DA", "-DB", "a.c"});
  Plan ba = plan_for(Family::kGcc, {"-c", "-DB", "-DA", "a.c"});
  EXPECT_NE(ab.key_args, ba.key_args);
  Plan out1 = plan_for(Family::kGcc, {"-c", "-DA", "a.c", "-o", "one.o"});
  Plan out2 = plan_for(Family::kGcc, {"-c", "-DA", "a.c", "-o", "two/two.o"});
  EXPECT_EQ(out1.key_args, out2.key_args);
}

TEST(MakePlan, ProbeArgsDropCompileModeAndOutputs) {
  Plan plan = plan_for(Family::kClang, {"-c", "-g", "-gsplit-dwarf", "-o", "x.o", "-isystem", "/i", "a.c"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.key_args, Strings({"-c", "-g", "-gsplit-dwarf", "-o", "x.o", "-isystem", "/i"}));
  EXPECT_EQ(plan.probe_args, Strings({"-g", "-gsplit-dwarf", "-isystem", "/i"}));
}

TEST(MakePlan, ColorExplicit) {
  for (const char* flag : {"-fdiagnostics-color", "-fdiagnostics-color=never", "-fno-diagnostics-color",
                           "-fcolor-diagnostics", "-fno-color-diagnostics"}) {
    EXPECT_TRUE(plan_for(Family::kClang, {"-c", flag, "a.c"}).color_explicit) << flag;
  }
  EXPECT_TRUE(plan_for(Family::kClang, {"-c", "-Xclang", "-fcolor-diagnostics", "a.c"}).color_explicit);
  EXPECT_FALSE(plan_for(Family::kClang, {"-c", "-fdiagnostics-format=json", "a.c"}).color_explicit);
}

}  // namespace
}  // namespace zccache::tools::gcc_clang

// Several sources: each unit is the plan of a single-source compile of that source with the same
// flags, so both kinds of compile share cache entries.
namespace zccache::tools::gcc_clang {
namespace {

TEST(MakePlan, SeveralSourcesGiveOneUnitPerSource) {
  for (Family f : kBoth) {
    Strings args = {"-O2", "-c", "src/a.c", "-Iinc", "b.cpp", "-MD", "-DX=1", "sub/c.c"};
    Plan plan = plan_for(f, args);
    ASSERT_EQ(plan.passthrough, Passthrough::kNone) << reason_name(plan.passthrough);
    EXPECT_EQ(plan.args, args);
    ASSERT_EQ(plan.units.size(), 3u);
    EXPECT_EQ(plan.unit_arg_indexes, (std::vector<uint32_t>{2, 4, 7}));
    const char* sources[] = {"src/a.c", "b.cpp", "sub/c.c"};
    const char* objects[] = {"a.o", "b.o", "c.o"};
    const char* depfiles[] = {"a.d", "b.d", "c.d"};
    for (size_t i = 0; i < 3; ++i) {
      const Plan& unit = plan.units[i];
      EXPECT_EQ(unit.source, sources[i]);
      EXPECT_EQ(unit.object, objects[i]);
      EXPECT_EQ(unit.depfile.path, depfiles[i]);
      EXPECT_TRUE(unit.units.empty());
      Plan single = plan_for(f, {"-O2", "-c", sources[i], "-Iinc", "-MD", "-DX=1", "-o", objects[i]});
      ASSERT_EQ(single.passthrough, Passthrough::kNone);
      EXPECT_EQ(unit.key_args, single.key_args) << sources[i];
      EXPECT_EQ(unit.language, single.language);
    }
    EXPECT_EQ(plan.units[1].language, "c++");
  }
}

TEST(MakePlan, OneUnreadableUnitPassesTheWholeInvocationThrough) {
  EXPECT_EQ(plan_for(Family::kGcc, {"-c", "a.c", "b.s"}).passthrough, Passthrough::kUnknownLanguage);
  Plan plan = plan_for(Family::kGcc, {"-c", "a.c", "b.s"});
  EXPECT_TRUE(plan.units.empty());
}

}  // namespace
}  // namespace zccache::tools::gcc_clang
