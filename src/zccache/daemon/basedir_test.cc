#include "zccache/daemon/basedir.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"
#include "zccache/tools/depfile.h"

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
  tools::Plan depfile = plan_in("/w/a b");
  depfile.depfile.requested = true;
  EXPECT_FALSE(relocatable(depfile, "/w/a b", "/w/a b")) << "a depfile escapes the base directory's space";
  depfile = plan_in("/w/a");
  depfile.depfile.requested = true;
  EXPECT_TRUE(relocatable(depfile, "/w/a", "/w/a")) << "stored with a marker, rendered per checkout";
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
  ASSERT_TRUE(relocate_entry(set, entry, {}, plan_in("/w/a"), "/w/a/build", "/w/a"));
  EXPECT_EQ(set.files[0].path, "../src/a.c");
  EXPECT_EQ(set.files[1].path, "../include/x.h");
  EXPECT_EQ(set.files[2].path, "/usr/include/stdio.h");
  EXPECT_EQ(set.files[3].path, "rel.h");
  EXPECT_EQ(set.files[4].path, "/w/ab/y.h");
  EXPECT_EQ(set.dirs[0].path, "../include");
  EXPECT_EQ(set.dirs[1].path, "/usr/include");
  store::IncludeSet at_root;
  at_root.files = {{"/w/a", {}}};
  ASSERT_TRUE(relocate_entry(at_root, entry, {}, plan_in("/w/a"), "/w/a", "/w/a"));
  EXPECT_EQ(at_root.files[0].path, ".");
}

TEST(Basedir, EntryWhoseDiagnosticsNameTheBasedirIsNotShared) {
  store::IncludeSet set;
  store::ResultEntry entry;
  entry.stderr_data = "/w/a/src/a.c:3:7: warning: unused variable 'x'\n";
  EXPECT_FALSE(relocate_entry(set, entry, {}, plan_in("/w/a"), "/w/a", "/w/a"));
  entry.stderr_data = "src/a.c:3:7: warning: unused variable 'x'\n";
  EXPECT_TRUE(relocate_entry(set, entry, {}, plan_in("/w/a"), "/w/a", "/w/a"));
}

TEST(Basedir, FileNamedByAnAbsoluteSpellingKeepsTheEntryLocal) {
  store::IncludeSet set;
  store::ResultEntry entry;
  const tools::Plan plan = plan_in("/w/a");
  // Through the source's directory, -I, -isystem (and "../" after them): they move with the checkout.
  EXPECT_TRUE(relocate_entry(set, entry,
                             {"/w/a/src/a.c", "/w/a/src/local.h", "/w/a/include/x.h", "/w/a/include/../cfg.h",
                              "/w/a/third_party/t.h", "/usr/include/stdio.h", "rel.h"},
                             plan, "/w/a", "/w/a"));
  // `#include "/w/a/gen/g.h"`: in another checkout, the compiler reads this very file.
  EXPECT_FALSE(relocate_entry(set, entry, {"/w/a/src/a.c", "/w/a/gen/g.h"}, plan, "/w/a", "/w/a"));
  EXPECT_FALSE(relocate_entry(set, entry, {"/w/a/includes/x.h"}, plan, "/w/a", "/w/a")) << "a sibling of -I";
}

// What gcc writes for -MD -MT obj/a.o in checkout /w/a (escaped names, as stored).
store::ResultEntry depfile_entry(const std::string& checkout) {
  store::ResultEntry e;
  e.has_depfile = true;
  e.depfile_targets = {"obj/a.o"};
  e.depfile_deps = {checkout + "/src/a.c", checkout + "/include/with\\ space.h", "/usr/include/stdio.h",
                    "../rel.h"};
  e.depfile_bytes = tools::render_depfile(tools::Family::kGcc, e.depfile_targets, e.depfile_deps, false);
  e.renderable = true;
  return e;
}

TEST(Basedir, RelocatedDepfileIsRenderedForTheRequestingCheckout) {
  store::IncludeSet set;
  store::ResultEntry stored = depfile_entry("/w/a");
  std::vector<std::string> deps{"/w/a/src/a.c", "/w/a/include/with space.h", "/usr/include/stdio.h", "../rel.h"};
  ASSERT_TRUE(relocate_entry(set, stored, deps, plan_in("/w/a"), "/w/a", "/w/a"));
  EXPECT_TRUE(depfile_relocated(stored));
  EXPECT_EQ(stored.depfile_bytes.find("/w/a"), std::string::npos) << "no checkout path travels";
  EXPECT_EQ(stored.depfile_deps[2], "/usr/include/stdio.h") << "outside the base directory: as it was";
  EXPECT_EQ(stored.depfile_deps[3], "../rel.h");
  // A longer base directory moves the line breaks; the result equals what the compiler writes there.
  const std::string other = "/home/runner/work/a-much-longer-checkout-path/project";
  auto local = localized_depfile_deps(stored, other);
  ASSERT_TRUE(local);
  EXPECT_EQ(*local, depfile_entry(other).depfile_deps);
  EXPECT_FALSE(localized_depfile_deps(stored, "")) << "a request without a base directory";
  EXPECT_FALSE(localized_depfile_deps(stored, "/w/x#y")) << "a base directory that needs escaping";
}

TEST(Basedir, UnrenderableOrMarkedDepfileIsNotRelocated) {
  store::IncludeSet set;
  store::ResultEntry entry = depfile_entry("/w/a");
  entry.renderable = false;
  EXPECT_FALSE(relocate_entry(set, entry, {}, plan_in("/w/a"), "/w/a", "/w/a"));
  entry = depfile_entry("/w/a");
  entry.depfile_deps.push_back(std::string(kDepfileBasedirMarker) + "/x.h");
  EXPECT_FALSE(relocate_entry(set, entry, {}, plan_in("/w/a"), "/w/a", "/w/a"));
}

}  // namespace
}  // namespace zccache::daemon
