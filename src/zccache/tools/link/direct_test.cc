#include "zccache/tools/link/direct.h"

#include <gtest/gtest.h>

namespace zccache::tools::link {
namespace {

using Strings = std::vector<std::string>;

TEST(LldFlavor, OnlyTheTwoNamesWeModel) {
  EXPECT_EQ(lld_flavor("wasm-ld"), LldFlavor::kWasm);
  EXPECT_EQ(lld_flavor("wasm-ld-14"), LldFlavor::kWasm);
  EXPECT_EQ(lld_flavor("ld.lld"), LldFlavor::kElf);
  EXPECT_EQ(lld_flavor("ld.lld-14"), LldFlavor::kElf);
  EXPECT_EQ(lld_flavor("lld"), std::nullopt);  // needs -flavor
  EXPECT_EQ(lld_flavor("ld"), std::nullopt);
  EXPECT_EQ(lld_flavor("ld64.lld"), std::nullopt);
  EXPECT_EQ(lld_flavor("lld-link"), std::nullopt);
  EXPECT_EQ(lld_flavor("ld-wasm"), std::nullopt);
}

TEST(DirectLink, WasmLinkOfObjectsAndLibraries) {
  Strings args{"--no-entry", "--export-all", "-o", "out.wasm", "a.o", "b.o", "-L", "lib", "-Lother", "-lfoo",
               "--library=bar", "--library-path=third", "libz.a", "--export=f", "--export", "g", "-z",
               "stack-size=4096", "-zstack-size=8192", "--initial-memory=131072", "-O2", "--gc-sections",
               "-export-dynamic", "--strip-debug"};
  LinkPlan plan = make_direct_link_plan(LldFlavor::kWasm, args);
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.output, "out.wasm");
  EXPECT_EQ(plan.lib_dirs, (Strings{"lib", "other", "third"}));
  EXPECT_EQ(plan.inputs, (Strings{"a.o", "b.o", "libz.a"}));
  EXPECT_TRUE(plan.map_file.empty());
}

TEST(DirectLink, OutputForms) {
  for (const Strings& args : {Strings{"a.o", "-o", "x.wasm"}, Strings{"a.o", "-ox.wasm"},
                              Strings{"a.o", "--output=x.wasm"}, Strings{"a.o", "--output", "x.wasm"},
                              Strings{"a.o", "-output", "x.wasm"}}) {
    LinkPlan plan = make_direct_link_plan(LldFlavor::kWasm, args);
    ASSERT_EQ(plan.passthrough, Passthrough::kNone) << args[1];
    EXPECT_EQ(plan.output, "x.wasm") << args[1];
    EXPECT_EQ(redirect_outputs(args, plan, "/t/y.wasm", "")[plan.output_slot.arg].find("/t/y.wasm") !=
                  std::string::npos,
              true);
  }
  EXPECT_EQ(make_direct_link_plan(LldFlavor::kWasm, {"a.o"}).output, "a.out");
}

TEST(DirectLink, MapFile) {
  LinkPlan plan = make_direct_link_plan(LldFlavor::kWasm, {"a.o", "-o", "x.wasm", "--Map=x.map"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.map_file, "x.map");
  plan = make_direct_link_plan(LldFlavor::kElf, {"a.o", "-o", "x", "-Map", "y.map"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.map_file, "y.map");
  EXPECT_EQ(plan.inputs, (Strings{"a.o"}));  // the map's name is not an input
}

TEST(DirectLink, ElfLinkAsADriverWouldRunIt) {
  LinkPlan plan = make_direct_link_plan(
      LldFlavor::kElf, {"-pie", "--hash-style=gnu", "--build-id", "--eh-frame-hdr", "-m", "elf_x86_64",
                        "-dynamic-linker", "/lib64/ld-linux-x86-64.so.2", "-o", "p", "/usr/lib/crt1.o", "m.o",
                        "-L/usr/lib", "-lc", "-zrelro", "-z", "now"});
  ASSERT_EQ(plan.passthrough, Passthrough::kNone);
  EXPECT_EQ(plan.inputs, (Strings{"/usr/lib/crt1.o", "m.o"}));
  EXPECT_EQ(plan.lib_dirs, (Strings{"/usr/lib"}));
}

TEST(DirectLink, UnmodelledLinksPassThrough) {
  auto wasm = [](Strings args) { return make_direct_link_plan(LldFlavor::kWasm, args).passthrough; };
  auto elf = [](Strings args) { return make_direct_link_plan(LldFlavor::kElf, args).passthrough; };
  EXPECT_EQ(wasm({"a.o", "--reproduce=r.tar"}), Passthrough::kLinkUnsupported);  // ours on a miss
  EXPECT_EQ(wasm({"a.o", "--allow-undefined-file=syms.txt"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--verbose"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--thinlto-cache-dir=c"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--save-temps"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--sysroot=/s"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"-flavor", "wasm", "a.o"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "-l:libf.a"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "script.ld"}), Passthrough::kLinkUnsupported);  // not an object: maybe a script
  EXPECT_EQ(wasm({"a.o", "-o"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "-o", "x", "-o", "y"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--Map=-"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--export-all="}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(wasm({"a.o", "--exp"}), Passthrough::kLinkUnsupported);  // an abbreviation
  EXPECT_EQ(wasm({"a.o", "@missing.rsp"}), Passthrough::kResponseFile);
  EXPECT_EQ(wasm({"-o", "x.wasm"}), Passthrough::kNoSource);
  EXPECT_EQ(elf({"a.o", "-T", "x.ld"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(elf({"a.o", "--version-script=v.map"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(elf({"a.o", "--dependency-file=x.d"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(elf({"a.o", "--build-id=uuid"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(elf({"a.o", "-plugin", "p.so"}), Passthrough::kLinkUnsupported);
  EXPECT_EQ(elf({"a.o", "--export-all"}), Passthrough::kLinkUnsupported);  // wasm only
}

}  // namespace
}  // namespace zccache::tools::link
