// The request key of a rustc compile (DESIGN.md §3, level 1): the toolchain, the arguments that
// reach the outputs, the contents of what those arguments name (extern crates, bundled native
// libraries, a target JSON), the environment that reaches the outputs, and the cwd. The source
// files and the env!/option_env! values are level 2 (the manifest, from rustc's dep-info).
// Pure: unit-tested for which changes alter the key and which do not.
#pragma once

#include <string>
#include <vector>

#include "zccache/daemon/compiler_registry.h"
#include "zccache/hash/digest.h"
#include "zccache/tools/rustc/parse.h"

namespace zccache::daemon {

// True for the variables a rustc key covers: every CARGO_* that cargo sets for a crate (package
// metadata, manifest dir, crate name: env!() reads them, and proc macros read them untracked),
// except CARGO_MAKEFLAGS (jobserver descriptors, different on every run, never in an output) and
// registry tokens; plus the few others that change what rustc produces, and CLIPPY_* (the lint
// arguments of `cargo clippy -- -D warnings` travel in CLIPPY_ARGS).
bool rust_key_env(std::string_view name);

struct RustKeyInputs {
  const CompilerInfo* compiler = nullptr;
  const tools::rustc::RustPlan* plan = nullptr;
  std::string cwd;
  const std::vector<std::string>* env = nullptr;
  std::vector<hash::Digest> extern_digests;      // per plan->externs entry with a path, in order
  std::vector<hash::Digest> static_lib_digests;  // per plan->static_libs entry
  hash::Digest target_json_digest;               // when plan->target_json is set
  hash::Digest clippy_config;                    // clippy-driver: its clippy.toml (clippy_config_digest)
  bool color_on = false;                         // the miss runs with --color=always
};

hash::Digest rust_request_key(const RustKeyInputs& in);

}  // namespace zccache::daemon
