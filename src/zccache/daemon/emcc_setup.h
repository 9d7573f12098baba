// EmccSetup: what one emcc/em++ request runs with besides its argv, folded into one identity.
// emcc's output depends on more than its own files (CompilerRegistry's identity): the config
// file it finds, the clang, wasm-ld, binaryen tools and node that config names, the Python that
// runs it, its cache directory, and its environment. All of it is decided per request, because
// EM_CONFIG, EM_* overrides, HOME and PATH differ between builds.
//
// - config: the first of `--em-config FILE`, EM_CONFIG, <root>/.emscripten,
//   <root>/../../.emscripten, ~/.emscripten that exists (tools/config.py), by path and content;
//   only plain `NAME = literal` files are modelled (tools/emscripten/config.h), and a
//   COMPILER_WRAPPER passes through (kEmccConfig).
// - tools, by content (real path and digest, or absent): LLVM_ROOT's clang, clang++, wasm-ld,
//   llvm-ar, llvm-nm, llvm-ranlib, llvm-objcopy, llvm-dwarfdump (with CLANG_/LLVM_ADD_VERSION
//   suffixes, as tools/shared.py builds the names), BINARYEN_ROOT/bin's wasm-opt,
//   wasm-emscripten-finalize, wasm-metadce, wasm2js, wasm-split, wasm-ctor-eval, and NODE_JS.
// - the Python interpreter: EMSDK_PYTHON or python3 from PATH (what the launcher execs).
// - the cache directory (--cache, EM_CACHE, CACHE, else <root>/cache when FROZEN_CACHE, else
//   ~/.emscripten_cache), by path: what is used from it is listed by the depfile (headers) and
//   by the linker (libraries), and checked by content like any input.
// - environment: every variable tools/emscripten/parse.h keyed_env_name() names, sorted.
// Thread-safe (parsed configs are memoized by digest under a mutex).
#pragma once

#include <string>
#include <vector>

#include "zccache/daemon/compiler_registry.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/hash/digest.h"
#include "zccache/protocol/messages.h"
#include "zccache/tools/emscripten/parse.h"

namespace zccache::daemon {

struct EmccSetup {
  tools::Passthrough passthrough = tools::Passthrough::kNone;
  hash::Digest identity;  // the registry's identity plus everything above
  std::string cache_dir;  // absolute
  std::string node;       // NODE_JS, as configured
};

EmccSetup emcc_setup(const protocol::CompileRequest& req, const CompilerInfo& compiler,
                     const tools::emscripten::EmccPlan& plan, fscache::MetadataCache& files);

}  // namespace zccache::daemon
