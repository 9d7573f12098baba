#include "zccache/tools/gcc_clang/options.h"

#include <gtest/gtest.h>

#include <string>

#include "zccache/tools/gcc_clang/sub_options.h"

namespace zccache::tools::gcc_clang {
namespace {

TEST(OptionTable, IsSortedWithoutDuplicates) {
  auto table = option_table();
  ASSERT_GT(table.size(), 100u);
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(table[i - 1].name, table[i].name) << "entry " << i << " (" << table[i].name << ") is out of order";
  }
}

TEST(OptionTable, EveryEntryIsFoundExactly) {
  for (const OptionInfo& info : option_table()) {
    OptionMatch m = find_option(info.name);
    ASSERT_EQ(m.info, &info) << info.name;
    EXPECT_TRUE(m.exact);
  }
}

TEST(OptionTable, NamesAreOptions) {
  for (const OptionInfo& info : option_table()) {
    EXPECT_GE(info.name.size(), 2u) << info.name;
    EXPECT_EQ(info.name[0], '-') << info.name;
    // A name ending in '=' only makes sense joined.
    if (info.name.back() == '=') {
      EXPECT_EQ(info.flags, kJoined) << info.name;
    }
  }
}

struct Lookup {
  std::string arg;
  std::string name;  // "" = unknown
  std::string joined;
};

TEST(FindOption, ExactThenLongestJoinedPrefix) {
  const Lookup cases[] = {
      {"-c", "-c", ""},
      {"-I", "-I", ""},
      {"-Iinclude", "-I", "include"},
      {"-include", "-include", ""},
      {"-includeconfig.h", "-include", "config.h"},
      {"-include-pch", "-include-pch", ""},
      {"-isystem/usr/x", "-isystem", "/usr/x"},
      {"-std=c++20", "-std=", "c++20"},
      {"-O2", "-O", "2"},
      {"-O", "-O", ""},
      {"-Wall", "-W", "all"},
      {"-Wl,-z,now", "-Wl,", "-z,now"},
      {"-Wp,-D_FORTIFY_SOURCE=2", "-Wp,", "-D_FORTIFY_SOURCE=2"},
      {"-Wa,--noexecstack", "-Wa,", "--noexecstack"},
      {"-fPIC", "-f", "PIC"},
      {"-fdebug-prefix-map=/a=b", "-fdebug-prefix-map=", "/a=b"},
      {"-fprofile-use=x.profdata", "-fprofile", "-use=x.profdata"},
      {"-fprofile-generate=dir", "-fprofile-generate", "=dir"},
      {"-fprofile-arcs", "-fprofile-arcs", ""},
      {"-fmodules-ts", "-fmodule", "s-ts"},
      {"-fdump-tree-all", "-fdump-", "tree-all"},
      {"-fdiagnostics-color=always", "-fdiagnostics-color", "=always"},
      {"-g3", "-g", "3"},
      {"-gcc-toolchain", "-gcc-toolchain", ""},
      {"-march=native", "-m", "arch=native"},
      {"-mllvm", "-mllvm", ""},
      {"-MFdeps.d", "-MF", "deps.d"},
      {"-MMD", "-MMD", ""},
      {"-undef", "-undef", ""},
      {"-ufoo", "-u", "foo"},
      {"-print-search-dirs", "-print-", "search-dirs"},
      {"-dumpversion", "-dumpversion", ""},
      {"-dumpbase", "-d", "umpbase"},
      {"-xc++", "-x", "c++"},
      {"-ofoo.o", "-o", "foo.o"},
      {"--sysroot=/s", "--sysroot=", "/s"},
      {"-save-temps=obj", "-save-temps", "=obj"},
      {"-Mfoo", "", ""},
      {"-Zfoo", "", ""},
      {"--frobnicate", "", ""},
      {"-", "", ""},
  };
  for (const Lookup& c : cases) {
    OptionMatch m = find_option(c.arg);
    if (c.name.empty()) {
      EXPECT_EQ(m.info, nullptr) << c.arg;
      continue;
    }
    ASSERT_NE(m.info, nullptr) << c.arg;
    EXPECT_EQ(m.info->name, c.name) << c.arg;
    EXPECT_EQ(m.joined, c.joined) << c.arg;
  }
}

TEST(DebugOptions, LastLevelWins) {
  DebugState s;
  ASSERT_TRUE(apply_debug_option(Family::kGcc, "", s));
  EXPECT_TRUE(s.level_on);
  ASSERT_TRUE(apply_debug_option(Family::kGcc, "0", s));
  EXPECT_FALSE(s.level_on);
  ASSERT_TRUE(apply_debug_option(Family::kGcc, "dwarf-5", s));
  EXPECT_TRUE(s.level_on);
  ASSERT_TRUE(apply_debug_option(Family::kGcc, "gdb0", s));
  EXPECT_FALSE(s.level_on);
  ASSERT_TRUE(apply_debug_option(Family::kClang, "line-tables-only", s));
  EXPECT_TRUE(s.level_on);
}

TEST(DebugOptions, NeutralOptionsChangeNothing) {
  for (const char* o : {"column-info", "no-column-info", "z", "z=zlib", "dwarf64", "strict-dwarf", "pubnames",
                        "gnu-pubnames", "no-inline-line-tables", "dwarf-aranges-not-a-level"}) {
    DebugState s;
    ASSERT_TRUE(apply_debug_option(Family::kClang, o, s)) << o;
    EXPECT_FALSE(s.level_on) << o;
    EXPECT_FALSE(s.split_dwarf) << o;
  }
  DebugState s;
  ASSERT_TRUE(apply_debug_option(Family::kClang, "dwarf-aranges-not-a-level", s));
  EXPECT_TRUE(s.unknown_option);  // not a level, not known: the parser stays on the safe side
}

TEST(DebugOptions, SplitDwarfModes) {
  DebugState s;
  ASSERT_TRUE(apply_debug_option(Family::kClang, "split-dwarf=split", s));
  EXPECT_TRUE(s.split_dwarf);
  ASSERT_TRUE(apply_debug_option(Family::kClang, "split-dwarf=single", s));
  EXPECT_FALSE(s.split_dwarf);
  ASSERT_TRUE(apply_debug_option(Family::kGcc, "split-dwarf", s));
  EXPECT_TRUE(s.split_dwarf);
  ASSERT_TRUE(apply_debug_option(Family::kGcc, "no-split-dwarf", s));
  EXPECT_FALSE(s.split_dwarf);
  EXPECT_FALSE(apply_debug_option(Family::kGcc, "split-dwarf=single", s));
  EXPECT_FALSE(apply_debug_option(Family::kClang, "modules", s));
  EXPECT_FALSE(apply_debug_option(Family::kGcc, "toggle", s));
}

TEST(ForwardedOptions, Preprocessor) {
  EXPECT_TRUE(preprocessor_args_ok("-D_FORTIFY_SOURCE=2", ','));
  EXPECT_TRUE(preprocessor_args_ok("-D_GLIBCXX_ASSERTIONS,-UNDEBUG,-Iinc", ','));
  EXPECT_FALSE(preprocessor_args_ok("-MD,dir/.a.o.d", ','));
  EXPECT_FALSE(preprocessor_args_ok("-MMD,x.d", ','));
  EXPECT_FALSE(preprocessor_args_ok("-D", ','));
  EXPECT_FALSE(preprocessor_args_ok("-DA,", ','));
  EXPECT_TRUE(preprocessor_args_ok("-DA,B", '\0'));  // -Xpreprocessor passes one item, commas and all
}

TEST(ForwardedOptions, Assembler) {
  EXPECT_TRUE(assembler_args_ok("--noexecstack", ','));
  EXPECT_TRUE(assembler_args_ok("-mrelax-relocations=no,--compress-debug-sections=zlib", ','));
  EXPECT_FALSE(assembler_args_ok("-g", ','));
  EXPECT_FALSE(assembler_args_ok("--gdwarf-5", ','));
  EXPECT_FALSE(assembler_args_ok("-adhln=x.lst", ','));
  EXPECT_FALSE(assembler_args_ok("--noexecstack,--MD,x.d", ','));
}

TEST(ForwardedOptions, ClangCc1) {
  EXPECT_TRUE(clang_cc1_arg_ok("-fno-pch-timestamp"));
  EXPECT_TRUE(clang_cc1_arg_ok("-fcolor-diagnostics"));
  EXPECT_TRUE(clang_cc1_arg_ok("-target-feature"));
  EXPECT_TRUE(clang_cc1_arg_ok("+avx2"));
  EXPECT_FALSE(clang_cc1_arg_ok("-include-pch"));
  EXPECT_FALSE(clang_cc1_arg_ok("-load"));
  EXPECT_FALSE(clang_cc1_arg_ok("-emit-pch"));
  EXPECT_FALSE(clang_cc1_arg_ok("-fmodules-cache-path=x"));
  EXPECT_FALSE(clang_cc1_arg_ok("-ast-dump"));
  EXPECT_FALSE(clang_cc1_arg_ok("-fdebug-compilation-dir"));
}

TEST(ForwardedOptions, Color) {
  EXPECT_TRUE(is_color_option("-fcolor-diagnostics"));
  EXPECT_TRUE(is_color_option("-fdiagnostics-color=never"));
  EXPECT_FALSE(is_color_option("-fdiagnostics-format=json"));
}

}  // namespace
}  // namespace zccache::tools::gcc_clang
