// The user's own dependency file (-MD/-MMD/-MF/-MT/-MQ/-MP) must come out exactly as the bare
// compiler writes it, on misses and on hits, including a hit delivered under another object name.
#include <tuple>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

struct DepVariant {
  const char* name;
  Args args;
  std::vector<std::string> outputs;  // the first depfile-like output is checked to exist
  std::string depfile;
};

void PrintTo(const DepVariant& v, std::ostream* os) { *os << v.name; }

void write_tree(Sandbox& sb) {
  sb.write("inc/h.h", "#include <stddef.h>\n#define V 3\n");
  sb.write("a.c", "#include \"inc/h.h\"\nsize_t value(void) { return V; }\n");
  sb.write("src/a.c", "#include \"../inc/h.h\"\nsize_t value(void) { return V; }\n");
  sb.make_dir("deps");
  sb.make_dir("obj");
}

std::vector<DepVariant> variants() {
  return {
      {"MD", {"-MD", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"}, "a.d"},
      {"MMD", {"-MMD", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"}, "a.d"},
      {"MD_MF",
       {"-MD", "-MF", "deps/custom.dep", "-c", "a.c", "-o", "a.o"},
       {"a.o", "deps/custom.dep"},
       "deps/custom.dep"},
      {"MD_MF_joined",
       {"-MD", "-MFdeps/joined.d", "-c", "a.c", "-o", "a.o"},
       {"a.o", "deps/joined.d"},
       "deps/joined.d"},
      {"MD_MT", {"-MD", "-MT", "custom_target", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"}, "a.d"},
      {"MD_MT_twice", {"-MD", "-MT", "one", "-MT", "two words", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"}, "a.d"},
      {"MD_MQ", {"-MD", "-MQ", "$(OBJ)/a b.o", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"}, "a.d"},
      {"MD_MP", {"-MD", "-MP", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"}, "a.d"},
      {"MMD_MP_MF_MT",
       {"-MMD", "-MP", "-MF", "deps/a.d", "-MT", "obj/a.o", "-c", "a.c", "-o", "obj/a.o"},
       {"obj/a.o", "deps/a.d"},
       "deps/a.d"},
      {"object_in_other_dir", {"-MD", "-c", "src/a.c", "-o", "obj/a.o"}, {"obj/a.o", "obj/a.d"}, "obj/a.d"},
      {"no_dash_o", {"-MD", "-c", "a.c"}, {"a.o", "a.d"}, "a.d"},
      {"MD_after_c", {"-c", "a.c", "-o", "a.o", "-MD"}, {"a.o", "a.d"}, "a.d"},
  };
}

class Depfile : public ::testing::TestWithParam<std::tuple<CompilerPair, DepVariant>>, protected CompileChecks {
 protected:
  void SetUp() override {
    const CompilerPair& pair = std::get<0>(GetParam());
    if (!compilers_installed(pair)) GTEST_SKIP() << pair.name << " is not installed";
    init(pair);
  }
  const DepVariant& variant() const { return std::get<1>(GetParam()); }
};

TEST_P(Depfile, IdenticalToBareOnMissAndHit) {
  write_tree(sb());
  CompileResult b = miss_then_hit(variant().args, variant().outputs);
  ASSERT_TRUE(b.files[variant().depfile].has_value()) << "test premise: the bare compiler writes the depfile";
  EXPECT_NE(b.files[variant().depfile]->find("h.h"), std::string::npos) << *b.files[variant().depfile];
}

TEST_P(Depfile, IdenticalToBareAfterHeaderEdit) {
  write_tree(sb());
  miss_then_hit(variant().args, variant().outputs);
  sb().write("inc/h.h", "#include <stddef.h>\n#include \"extra.h\"\n#define V 4\n");
  sb().write("inc/extra.h", "/* new dependency */\n");
  CompileResult b = expect_miss(variant().args, variant().outputs);
  ASSERT_TRUE(b.files[variant().depfile].has_value());
  EXPECT_NE(b.files[variant().depfile]->find("extra.h"), std::string::npos);
  expect_hit(variant().args, variant().outputs);
}

INSTANTIATE_TEST_SUITE_P(, Depfile,
                         ::testing::Combine(::testing::Values(kGcc, kClang), ::testing::ValuesIn(variants())),
                         [](const ::testing::TestParamInfo<std::tuple<CompilerPair, DepVariant>>& info) {
                           return std::string(std::get<0>(info.param).name) + "_" + std::get<1>(info.param).name;
                         });

// Hits delivered to another object name or directory: the target inside the depfile must be the
// new object, exactly as the bare compiler writes it.
class DepfileRename : public CompilerTest {};

TEST_P(DepfileRename, HitUnderAnotherObjectNameRewritesTheTarget) {
  write_tree(sb());
  expect_miss({"-MD", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"});
  CompileResult b = expect_hit({"-MD", "-c", "a.c", "-o", "b.o"}, {"b.o", "b.d"});
  ASSERT_TRUE(b.files["b.d"].has_value());
  EXPECT_EQ(b.files["b.d"]->rfind("b.o:", 0), 0u) << *b.files["b.d"];
}

TEST_P(DepfileRename, HitIntoAnotherDirectoryRewritesTheTarget) {
  write_tree(sb());
  expect_miss({"-MD", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"});
  expect_hit({"-MD", "-c", "a.c", "-o", "obj/other.o"}, {"obj/other.o", "obj/other.d"});
}

TEST_P(DepfileRename, HitWithAnotherDepfileNameAndMP) {
  write_tree(sb());
  expect_miss({"-MMD", "-MP", "-MF", "deps/one.d", "-c", "a.c", "-o", "a.o"}, {"a.o", "deps/one.d"});
  expect_hit({"-MMD", "-MP", "-MF", "deps/two.d", "-c", "a.c", "-o", "obj/two.o"}, {"obj/two.o", "deps/two.d"});
}

TEST_P(DepfileRename, ObjectWithSpecialCharactersIsEscapedLikeBare) {
  write_tree(sb());
  expect_miss({"-MD", "-MF", "deps/x.d", "-c", "a.c", "-o", "a.o"}, {"a.o", "deps/x.d"});
  sb().make_dir("odd dir");
  compile_both({"-MD", "-MF", "deps/x.d", "-c", "a.c", "-o", "odd dir/we$ird#name.o"},
               {"odd dir/we$ird#name.o", "deps/x.d"});
}

TEST_P(DepfileRename, DepfileNotRequestedIsNotWritten) {
  // The include set comes from a depfile zccache asks for; none may appear beside the user's object.
  write_tree(sb());
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o", "a.d"});
  EXPECT_FALSE(sb().exists("a.d"));
}

ZCCACHE_FOR_EACH_COMPILER(DepfileRename);

}  // namespace
}  // namespace zccache::e2e
