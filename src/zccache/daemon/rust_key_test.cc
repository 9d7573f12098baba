#include "zccache/daemon/rust_key.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"
#include "zccache/testing/fake_file_reader.h"

namespace zccache::daemon {
namespace {

using Strings = std::vector<std::string>;

struct KeyCase {
  CompilerInfo compiler;
  tools::rustc::RustPlan plan;
  Strings env;
  RustKeyInputs in;

  explicit KeyCase(const Strings& args, Strings environment = {}, std::string cwd = "/w") : env(std::move(environment)) {
    compiler.family = tools::Family::kRust;
    compiler.identity = hash::hash_bytes("rustc 1.95");
    testing::FakeFileReader reader;
    plan = tools::rustc::make_plan(args, cwd, reader);
    in = RustKeyInputs{&compiler, &plan, cwd, &env, {}, {}, {}, false};
  }
  hash::Digest key() const { return rust_request_key(in); }
};

const Strings kLib = {"--crate-name", "z", "--crate-type", "lib", "src/lib.rs", "--out-dir", "/w/target/deps"};

TEST(RustKey, CargoVariablesCountExceptJobserverAndTokens) {
  EXPECT_TRUE(rust_key_env("CARGO_PKG_VERSION"));
  EXPECT_TRUE(rust_key_env("CARGO_MANIFEST_DIR"));
  EXPECT_TRUE(rust_key_env("CARGO"));
  EXPECT_TRUE(rust_key_env("RUSTC_BOOTSTRAP"));
  EXPECT_FALSE(rust_key_env("CARGO_MAKEFLAGS"));
  EXPECT_FALSE(rust_key_env("CARGO_REGISTRY_TOKEN"));
  EXPECT_FALSE(rust_key_env("CARGO_REGISTRIES_MINE_TOKEN"));
  EXPECT_FALSE(rust_key_env("PATH"));
  EXPECT_FALSE(rust_key_env("HOME"));
}

TEST(RustKey, WhatChangesTheKey) {
  const hash::Digest base = KeyCase(kLib, {"CARGO_PKG_VERSION=1.0.0", "PATH=/bin"}).key();
  // Same: other out-dir, other PATH, jobserver, environment order.
  Strings other_out = kLib;
  other_out[6] = "/elsewhere/deps";
  EXPECT_EQ(KeyCase(other_out, {"CARGO_PKG_VERSION=1.0.0", "PATH=/bin"}).key(), base);
  EXPECT_EQ(KeyCase(kLib, {"PATH=/usr/bin", "CARGO_MAKEFLAGS=-j --jobserver-fds=6,7", "CARGO_PKG_VERSION=1.0.0"}).key(), base);
  // Different: a CARGO_ value, the cwd, the toolchain, an argument, an extern's content.
  EXPECT_NE(KeyCase(kLib, {"CARGO_PKG_VERSION=1.0.1", "PATH=/bin"}).key(), base);
  EXPECT_NE(KeyCase(kLib, {"CARGO_PKG_VERSION=1.0.0", "PATH=/bin"}, "/v").key(), base);
  KeyCase toolchain(kLib, {"CARGO_PKG_VERSION=1.0.0", "PATH=/bin"});
  toolchain.compiler.identity = hash::hash_bytes("rustc 1.96");
  EXPECT_NE(toolchain.key(), base);
  Strings opt = kLib;
  opt.insert(opt.end(), {"-C", "opt-level=3"});
  EXPECT_NE(KeyCase(opt, {"CARGO_PKG_VERSION=1.0.0", "PATH=/bin"}).key(), base);

  Strings ext = kLib;
  ext.insert(ext.end(), {"--extern", "dep=/w/target/deps/libdep.rmeta"});
  KeyCase a(ext), b(ext);
  a.in.extern_digests = {hash::hash_bytes("v1")};
  b.in.extern_digests = {hash::hash_bytes("v2")};
  EXPECT_NE(a.key(), b.key());
  KeyCase colored(kLib, {"CARGO_PKG_VERSION=1.0.0", "PATH=/bin"});
  colored.in.color_on = true;
  EXPECT_NE(colored.key(), base);
}

TEST(RustKey, RemappedCwdLeavesTheKey) {
  Strings remap = kLib;
  remap.insert(remap.end(), {"--remap-path-prefix", "/w=/src"});
  EXPECT_EQ(KeyCase(remap, {}, "/w").key(), KeyCase(remap, {}, "/w/").key());
  Strings remap_v = kLib;
  remap_v.insert(remap_v.end(), {"--remap-path-prefix", "/v=/src"});
  // Each cwd remapped by its own (equal after mapping) prefix: the key is the same apart from the
  // prefix argument itself, which stays in the key.
  EXPECT_NE(KeyCase(remap, {}, "/w").key(), KeyCase(remap_v, {}, "/v").key());
  EXPECT_NE(KeyCase(kLib, {}, "/w").key(), KeyCase(kLib, {}, "/v").key());
}

}  // namespace
}  // namespace zccache::daemon
