#include "zccache/daemon/basedir.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {

tools::Plan plan_in(const std::string& checkout, std::vector<std::string> extra = {}) {
  tools::Plan p;
  p.family = tools::Family::kGcc;
  p.source = checkout + "/src/a.c";
  p.language = "c";
  p.object = "a.o";
  p.key_args = {"-O2", "-I" + checkout + "/include", "-isystem", checkout + "/third_party", "-c",
                "-ffile-prefix-map=" + checkout + "=."};
  p.key_args.insert(p.key_args.end(), extra.begin(), extra.end());
  return p;
}

TEST(Basedir, FromEnvNormalisesAndRefusesUnusableValues) {
  EXPECT_EQ(basedir_from_env({"ZCCACHE_BASEDIR=/w/a/"}), "/w/a");
  EXPECT_EQ(basedir_from_env({"ZCCACHE_BASEDIR=/w/a"}), "/w/a");
  for (const char* bad : {"ZCCACHE_BASEDIR=w/a", "ZCCACHE_BASEDIR=/", "ZCCACHE_BASEDIR=", "ZCCACHE_BASEDIR=/w/../a",
                          "ZCCACHE_BASEDIR=/w/./a", "ZCCACHE_BASEDIR=/w//a", "OTHER=/w"}) {
    EXPECT_EQ(basedir_from_env({bad}), "") << bad;
  }
}

TEST(Basedir, RelocatesOnlyWithAPrefixMapOfExactlyTheBasedir) {
  EXPECT_TRUE(relocatable(plan_in("/w/a"), "/w/a", "/w/a"));
  EXPECT_TRUE(relocatable(plan_in("/w/a"), "/w/a/build", "/w/a"));
  tools::Plan no_map = plan_in("/w/a");
  no_map.key_args.pop_back();
  EXPECT_FALSE(relocatable(no_map, "/w/a", "/w/a")) << "__FILE__ and debug info would name /w/a";
  tools::Plan macro_only = no_map;
  macro_only.key_args.push_back("-fmacro-prefix-map=/w/a=.");
  EXPECT_FALSE(relocatable(macro_only, "/w/a", "/w/a")) << "debug info is not mapped";
  macro_only.key_args.push_back("-fdebug-prefix-map=/w/a/=.");
  EXPECT_TRUE(relocatable(macro_only, "/w/a", "/w/a"));
}

TEST(Basedir, RefusesWhatCouldStillCarryTheCheckoutsPath) {
  EXPECT_FALSE(relocatable(plan_in("/w/a"), "/elsewhere", "/w/a")) << "cwd outside the base directory";
  EXPECT_FALSE(relocatable(plan_in("/w/a"), "/w/ab", "/w/a")) << "a sibling, not below";
  EXPECT_FALSE(relocatable(plan_in("/w/a", {"-fdebug-prefix-map=/w=/x"}), "/w/a", "/w/a")) << "shorter map";
  EXPECT_FALSE(relocatable(plan_in("/w/a", {"-fmacro-prefix-map=/w/a/src=s"}), "/w/a", "/w/a")) << "longer map";
  EXPECT_FALSE(relocatable(plan_in("/w/a", {"-ffile-prefix-map=/w/a=/w/a/x"}), "/w/a", "/w/a")) << "new part inside";
  EXPECT_FALSE(relocatable(plan_in("/w/a", {"-grecord-command-line"}), "/w/a", "/w/a"));
  tools::Plan depfile = plan_in("/w/a");
  depfile.depfile.requested = true;
  EXPECT_FALSE(relocatable(depfile, "/w/a", "/w/a")) << "the depfile names the checkout's files";
  tools::Plan dwo = plan_in("/w/a");
  dwo.extra_outputs = {"a.dwo"};
  EXPECT_FALSE(relocatable(dwo, "/w/a", "/w/a"));
  EXPECT_FALSE(relocatable(plan_in("/w/a"), "/w/a", ""));
  EXPECT_TRUE(relocatable(plan_in("/w/a", {"-fdebug-prefix-map=/usr=/u"}), "/w/a", "/w/a")) << "unrelated map";
}

hash::Digest key_of(const std::string& checkout, const std::string& cwd, std::vector<std::string> extra = {}) {
  CompilerInfo compiler;
  compiler.identity = hash::hash_bytes("gcc 12");
  tools::Plan plan = plan_in(checkout, std::move(extra));
  std::vector<std::string> env{"PWD=" + cwd, "LANG=C"};
  KeyInputs in{&compiler, &plan, hash::hash_bytes("int a;"), cwd, &env, false};
  return relocatable(plan, cwd, checkout) ? relocated_request_key(in, checkout) : request_key(in);
}

TEST(Basedir, TwoCheckoutsShareTheRelocatedKey) {
  EXPECT_EQ(key_of("/w/a", "/w/a/build"), key_of("/home/ci/b", "/home/ci/b/build"));
  EXPECT_NE(key_of("/w/a", "/w/a/build"), key_of("/home/ci/b", "/home/ci/b/out")) << "cwd pins the relative paths";
  EXPECT_NE(key_of("/w/a", "/w/a"), key_of("/w/b", "/w/b", {"-DROOT=\"/w/b\""})) << "other arguments keep paths";
  EXPECT_NE(key_of("/w/a", "/w/a", {"-DROOT=\"/w/a\""}), key_of("/w/b", "/w/b", {"-DROOT=\"/w/b\""}));
}

TEST(Basedir, RelocatedArgumentsDifferFromLiteralRelativeOnes) {
  tools::Plan plan = plan_in("/w/a");
  auto parts = relocate_for_key(plan, "/w/a", {"PWD=/w/a"}, "/w/a");
  EXPECT_NE(parts.plan.key_args[1], "-Iinclude");
  EXPECT_NE(parts.plan.key_args[1].find("/include"), std::string::npos);
  EXPECT_EQ(parts.plan.key_args[1].find("/w/a"), std::string::npos);
  EXPECT_EQ(parts.plan.key_args[3].find("/w/a"), std::string::npos) << "separate -isystem value";
  EXPECT_EQ(parts.plan.key_args[5].find("/w/a"), std::string::npos) << "prefix map";
  EXPECT_NE(parts.plan.key_args[5].find("=."), std::string::npos);
  EXPECT_EQ(parts.plan.source.find("/w/a"), std::string::npos);
  EXPECT_EQ(parts.env[0].find("/w/a"), std::string::npos);
  EXPECT_TRUE(parts.plan.cwd_matters);
}

TEST(Basedir, IncludeSetPathsUnderTheBasedirBecomeRelativeToTheCwd) {
  store::IncludeSet set;
  set.files = {{"/w/a/src/a.c", {}}, {"/w/a/include/x.h", {}}, {"/usr/include/stdio.h", {}}, {"rel.h", {}},
               {"/w/ab/y.h", {}}};
  set.dirs = {{"/w/a/include", true, 0, {}, {}}, {"/usr/include", true, 0, {}, {}}};
  store::ResultEntry entry;
  ASSERT_TRUE(relocate_entry(set, entry, "/w/a/build", "/w/a"));
  EXPECT_EQ(set.files[0].path, "../src/a.c");
  EXPECT_EQ(set.files[1].path, "../include/x.h");
  EXPECT_EQ(set.files[2].path, "/usr/include/stdio.h");
  EXPECT_EQ(set.files[3].path, "rel.h");
  EXPECT_EQ(set.files[4].path, "/w/ab/y.h");
  EXPECT_EQ(set.dirs[0].path, "../include");
  EXPECT_EQ(set.dirs[1].path, "/usr/include");
  store::IncludeSet at_root;
  at_root.files = {{"/w/a", {}}};
  ASSERT_TRUE(relocate_entry(at_root, entry, "/w/a", "/w/a"));
  EXPECT_EQ(at_root.files[0].path, ".");
}

TEST(Basedir, EntryWhoseDiagnosticsNameTheBasedirIsNotShared) {
  store::IncludeSet set;
  store::ResultEntry entry;
  entry.stderr_data = "/w/a/src/a.c:3:7: warning: unused variable 'x'\n";
  EXPECT_FALSE(relocate_entry(set, entry, "/w/a", "/w/a"));
  entry.stderr_data = "src/a.c:3:7: warning: unused variable 'x'\n";
  EXPECT_TRUE(relocate_entry(set, entry, "/w/a", "/w/a"));
}

}  // namespace
}  // namespace zccache::daemon
