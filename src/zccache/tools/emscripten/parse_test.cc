#include "zccache/tools/emscripten/parse.h"

#include <gtest/gtest.h>

#include "zccache/testing/fake_file_reader.h"

namespace zccache::tools::emscripten {
namespace {

using Strings = std::vector<std::string>;

EmccPlan plan(const Strings& args, const Strings& env = {}) {
  testing::FakeFileReader reader;
  return make_plan(args, "/w", env, reader);
}

TEST(EmccPlan, CompileIsPlannedAsClangWithEmccOptionsKeyed) {
  EmccPlan p = plan({"-c", "a.c", "-o", "a.o", "-sSTRICT", "-s", "ASSERTIONS=2", "-O2", "-MD"});
  ASSERT_EQ(p.passthrough, Passthrough::kNone);
  EXPECT_FALSE(p.link);
  EXPECT_EQ(p.compile.source, "a.c");
  EXPECT_EQ(p.compile.object, "a.o");
  EXPECT_TRUE(p.compile.depfile.requested);
  EXPECT_EQ(p.compile.key_args, (Strings{"-c", "-sSTRICT", "-s", "ASSERTIONS=2", "-O2"}));
}

TEST(EmccPlan, EmccCflagsAreAppendedAndKeyed) {
  EmccPlan p = plan({"-c", "a.c"}, {"EMCC_CFLAGS=-DX=\"1 2\" -O1"});
  ASSERT_EQ(p.passthrough, Passthrough::kNone);
  EXPECT_EQ(p.args, (Strings{"-c", "a.c", "-DX=1 2", "-O1"}));
  EXPECT_EQ(p.compile.key_args, (Strings{"-c", "-DX=1 2", "-O1"}));
  // Several sources would be rerun with the flags already in argv: emcc would add them twice.
  EXPECT_EQ(plan({"-c", "a.c", "b.c"}, {"EMCC_CFLAGS=-O1"}).passthrough, Passthrough::kMultipleSources);
  EXPECT_EQ(plan({"-c", "a.c", "b.c"}).passthrough, Passthrough::kNone);
}

TEST(EmccPlan, ResponseFilesAreSplitLikeShlex) {
  testing::FakeFileReader reader;
  reader.add("/w/args.rsp", "-c 'my file.c' -DY=\"a b\"\n");
  EmccPlan p = make_plan({"@args.rsp", "-o", "x.o"}, "/w", {}, reader);
  ASSERT_EQ(p.passthrough, Passthrough::kNone);
  EXPECT_EQ(p.compile.source, "my file.c");
  EXPECT_EQ(p.args, (Strings{"-c", "my file.c", "-DY=a b", "-o", "x.o"}));
  reader.add("/w/nested.rsp", "@args.rsp");
  EXPECT_EQ(make_plan({"@nested.rsp"}, "/w", {}, reader).passthrough, Passthrough::kResponseFile);
  EXPECT_EQ(make_plan({"@missing.rsp"}, "/w", {}, reader).passthrough, Passthrough::kResponseFile);
}

TEST(EmccPlan, PassthroughReasons) {
  EXPECT_EQ(plan({"-c", "a.c", "-sUSE_SDL=2"}).passthrough, Passthrough::kEmccOption);
  EXPECT_EQ(plan({"-c", "a.c", "-sEXPORTED_FUNCTIONS=@f.txt"}).passthrough, Passthrough::kEmccOption);
  EXPECT_EQ(plan({"a.o", "--embed-file", "data"}).passthrough, Passthrough::kEmccOption);
  EXPECT_EQ(plan({"a.o", "--closure", "1"}).passthrough, Passthrough::kEmccOption);
  EXPECT_EQ(plan({"a.o", "-lSDL2_mixer"}).passthrough, Passthrough::kEmccOption);
  EXPECT_EQ(plan({"--clear-cache"}).passthrough, Passthrough::kInformational);
  EXPECT_EQ(plan({"-c", "a.c"}, {"EMCC_DEBUG=1"}).passthrough, Passthrough::kEmccDebugEnv);
  EXPECT_EQ(plan({"a.o"}, {"LLD_REPRODUCE=/tmp/x.tar"}).passthrough, Passthrough::kEmccDebugEnv);
  EXPECT_EQ(plan({"-c", "a.c"}, {"EMCC_CFLAGS=\"open"}).passthrough, Passthrough::kEmccOption);
}

TEST(EmccPlan, LinkOutputsFollowTheTargetSuffix) {
  EmccPlan js = plan({"a.o", "b.o", "-o", "out/app.js", "-Llib", "-lfoo", "--pre-js", "pre.js", "-sEXIT_RUNTIME"});
  ASSERT_EQ(js.passthrough, Passthrough::kNone);
  ASSERT_TRUE(js.link);
  EXPECT_EQ(js.link_plan.outputs, (Strings{"out/app.js", "out/app.wasm"}));
  EXPECT_EQ(js.link_plan.inputs, (Strings{"a.o", "b.o"}));
  EXPECT_EQ(js.link_plan.js_inputs, (Strings{"pre.js"}));
  EXPECT_NE(std::find(js.link_plan.guarded.begin(), js.link_plan.guarded.end(), "out/app.worker.js"),
            js.link_plan.guarded.end());
  EXPECT_EQ(plan({"a.o", "-o", "p.html"}).link_plan.outputs, (Strings{"p.html", "p.js", "p.wasm"}));
  EXPECT_EQ(plan({"a.o", "-o", "p.wasm"}).link_plan.outputs, (Strings{"p.wasm"}));
  EXPECT_EQ(plan({"a.o", "-o", "p.mjs"}).link_plan.outputs, (Strings{"p.mjs", "p.wasm"}));
  EXPECT_EQ(plan({"a.o"}).link_plan.outputs, (Strings{"a.out.js", "a.out.wasm"}));
}

TEST(EmccPlan, UnmodelledLinksPassThrough) {
  auto reason = [](Strings args) { return plan(args).passthrough; };
  EXPECT_EQ(reason({"a.o", "-o", "p.o"}), Passthrough::kLinkUnsupported);  // link to an object
  EXPECT_EQ(reason({"a.o", "-o", "prog"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.c", "-o", "p.js"}), Passthrough::kLinkUnsupported);  // compiles inside the link
  EXPECT_EQ(reason({"a.o", "libx.so", "-o", "p.js"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-Wl,-Map=p.map", "-o", "p.js"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(reason({"a.o", "-pthread", "-o", "p.js"}), Passthrough::kEmccOption);
  EXPECT_EQ(reason({"a.o", "-sWASM=0", "-o", "p.js"}), Passthrough::kEmccOption);
  EXPECT_EQ(reason({"a.o", "-gsource-map", "-o", "p.js"}), Passthrough::kEmccOption);
  EXPECT_EQ(reason({"a.o", "--emit-symbol-map", "-o", "p.js"}), Passthrough::kEmccOption);
}

TEST(EmccPlan, ConfigAndCacheOptionsAreFound) {
  EmccPlan p = plan({"--em-config", "my.cfg", "--cache", "c", "-c", "a.c"});
  ASSERT_EQ(p.passthrough, Passthrough::kNone);
  EXPECT_EQ(p.config_file, "my.cfg");
  EXPECT_EQ(p.cache_dir, "c");
}

TEST(EmccPlan, KeyedEnvironment) {
  EXPECT_TRUE(keyed_env_name("EMCC_CFLAGS"));
  EXPECT_TRUE(keyed_env_name("EMCC_FORCE_STDLIBS"));
  EXPECT_TRUE(keyed_env_name("EM_CONFIG"));
  EXPECT_TRUE(keyed_env_name("EM_LLVM_ROOT"));
  EXPECT_TRUE(keyed_env_name("EMSDK_PYTHON"));
  EXPECT_TRUE(keyed_env_name("EMMAKEN_JUST_CONFIGURE"));
  EXPECT_TRUE(keyed_env_name("NODE_PATH"));
  EXPECT_FALSE(keyed_env_name("EMCC_CORES"));
  EXPECT_FALSE(keyed_env_name("EM_EXCLUSIVE_CACHE_ACCESS"));
  EXPECT_FALSE(keyed_env_name("PATH"));
}

TEST(EmccPlan, EmccOwnMessagesAreRecognised) {
  EXPECT_TRUE(has_emcc_messages("emcc: warning: argument unused during compilation: '-Lfoo'\n"));
  EXPECT_TRUE(has_emcc_messages("a.c:1:1: warning: x\ncache:INFO: generating system library: libc.a\n"));
  EXPECT_FALSE(has_emcc_messages("a.c:1:5: warning: unused variable 'x' [-Wunused-variable]\n1 warning generated.\n"));
  EXPECT_FALSE(has_emcc_messages("a.c:2:1: note: see :INFO: here\n"));
  EXPECT_FALSE(has_emcc_messages(""));
}

}  // namespace
}  // namespace zccache::tools::emscripten
