#include "zccache/daemon/request_key.h"

#include <gtest/gtest.h>

#include <functional>

#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {

struct Fixture {
  CompilerInfo compiler;
  tools::Plan plan;
  std::vector<std::string> env{"PATH=/usr/bin", "HOME=/root"};
  hash::Digest source = hash::hash_bytes("int main(){}");
  std::string cwd = "/work/a";
  bool color = false;

  Fixture() {
    compiler.family = tools::Family::kGcc;
    compiler.identity = hash::hash_bytes("gcc-12");
    plan.family = tools::Family::kGcc;
    plan.source = "a.c";
    plan.language = "c";
    plan.object = "a.o";
    plan.key_args = {"-c", "-O2", "-DX=1", "-Iinc"};
  }
  hash::Digest key() const { return request_key({&compiler, &plan, source, cwd, &env, color}); }
};

hash::Digest key_after(const std::function<void(Fixture&)>& change) {
  Fixture f;
  change(f);
  return f.key();
}

TEST(RequestKey, SameInputsSameKey) { EXPECT_EQ(Fixture().key(), Fixture().key()); }

TEST(RequestKey, ChangesThatAlterTheKey) {
  hash::Digest base = Fixture().key();
  const std::pair<const char*, std::function<void(Fixture&)>> changes[] = {
      {"compiler identity", [](Fixture& f) { f.compiler.identity = hash::hash_bytes("gcc-13"); }},
      {"argument order", [](Fixture& f) { f.plan.key_args = {"-c", "-DX=1", "-O2", "-Iinc"}; }},
      {"define value", [](Fixture& f) { f.plan.key_args[2] = "-DX=2"; }},
      {"extra flag", [](Fixture& f) { f.plan.key_args.push_back("-g"); }},
      {"source content", [](Fixture& f) { f.source = hash::hash_bytes("int main(){return 1;}"); }},
      {"source path", [](Fixture& f) { f.plan.source = "b.c"; }},
      {"language", [](Fixture& f) { f.plan.language = "c++"; }},
      {"CPATH set", [](Fixture& f) { f.env.push_back("CPATH=/x"); }},
      {"CPATH empty vs unset", [](Fixture& f) { f.env.push_back("CPATH="); }},
      {"LANG", [](Fixture& f) { f.env.push_back("LANG=de_DE.UTF-8"); }},
      {"SOURCE_DATE_EPOCH", [](Fixture& f) { f.env.push_back("SOURCE_DATE_EPOCH=1"); }},
      {"colour", [](Fixture& f) { f.color = true; }},
      {"depfile requested", [](Fixture& f) { f.plan.depfile.requested = true; }},
      {"depfile -MMD", [](Fixture& f) { f.plan.depfile.system_headers = false; }},
      {"depfile -MP", [](Fixture& f) { f.plan.depfile.phony_targets = true; }},
      {"cwd when it matters", [](Fixture& f) { f.plan.cwd_matters = true; }},
      {"split dwarf", [](Fixture& f) { f.plan.extra_outputs = {"a.dwo"}; }},
  };
  for (const auto& [what, change] : changes) EXPECT_NE(key_after(change), base) << what;
}

TEST(RequestKey, ChangesThatDoNotAlterTheKey) {
  hash::Digest base = Fixture().key();
  const std::pair<const char*, std::function<void(Fixture&)>> changes[] = {
      {"object path", [](Fixture& f) { f.plan.object = "out/a.o"; }},
      {"depfile path", [](Fixture& f) { f.plan.depfile.path = "x.d"; }},
      {"depfile targets", [](Fixture& f) { f.plan.depfile.targets = {"t"}; }},
      {"unrelated env", [](Fixture& f) { f.env.push_back("FOO=bar"); }},
      {"cwd when it does not matter", [](Fixture& f) { f.cwd = "/elsewhere"; }},
  };
  for (const auto& [what, change] : changes) EXPECT_EQ(key_after(change), base) << what;
}

TEST(RequestKey, CwdAndPwdCountWhenCwdMatters) {
  Fixture a, b;
  a.plan.cwd_matters = b.plan.cwd_matters = true;
  b.cwd = "/work/b";
  EXPECT_NE(a.key(), b.key());
  Fixture c;
  c.plan.cwd_matters = true;
  c.env.push_back("PWD=/link/a");
  EXPECT_NE(a.key(), c.key());
}

TEST(ResultKey, DependsOnEveryFileDigest) {
  hash::Digest k = hash::hash_bytes("k");
  std::vector<store::FileDigest> files{{"a.c", hash::hash_bytes("1")}, {"a.h", hash::hash_bytes("2")}};
  auto base = result_key(k, files);
  files[1].digest = hash::hash_bytes("3");
  EXPECT_NE(result_key(k, files), base);
}

TEST(FindEnv, DistinguishesUnsetFromEmptyAndPrefixes) {
  std::vector<std::string> env{"CPATH=", "CPATHX=1", "LANG=C"};
  ASSERT_NE(find_env(env, "CPATH"), nullptr);
  EXPECT_STREQ(find_env(env, "CPATH"), "");
  EXPECT_STREQ(find_env(env, "LANG"), "C");
  EXPECT_EQ(find_env(env, "LC_ALL"), nullptr);
  EXPECT_EQ(find_env(env, "CPAT"), nullptr);
}

}  // namespace
}  // namespace zccache::daemon
