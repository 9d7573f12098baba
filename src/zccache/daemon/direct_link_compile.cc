// CompileHandler::begin_direct_link(): ld.lld and wasm-ld called directly (`zccache wasm-ld
// --no-entry -o out.wasm a.o -L lib -lfoo`).
//
// - request key: lld's identity (its name picks the flavour, its content and libLLVM's: see
//   CompilerRegistry), the cwd, the arguments (response files expanded as lld does) and the same
//   environment variables as a driver link.
// - manifest: the files the linker read, from the linker: ld.lld writes --dependency-file=<tmp>;
//   wasm-ld 14 has no such option, so it writes --reproduce=<tmp>.tar and the daemon reads the
//   member names (tools/link/reproduce_tar.h). Plus the search: neither linker has directories of its
//   own, so -L in order is the whole search path, checked as for driver links.
// - outputs, determinism check, delivery: as for driver links (link_compile.cc).
#include <string>
#include <vector>

#include "zccache/base/log.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/link_support.h"
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/recording_file_reader.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/path.h"
#include "zccache/tools/link/direct.h"
#include "zccache/tools/response_file.h"

namespace zccache::daemon {
namespace {

using tools::Passthrough;
using namespace link_support;

constexpr std::string_view kDirectLinkSalt = "zccache-direct-link-key-v1";

// lld's --reproduce archive names files by their lexically normalised absolute path: `a/../b`
// becomes `b` even where `a` is a symlink to another directory, and the file read is not the one
// named. A ".." after a named component is therefore not modelled (a leading one starts from the
// cwd, which has no symlinks: it is the kernel's path).
bool lexically_safe(std::string_view path) {
  bool named = false;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (part == "..") {
      if (named) return false;
    } else if (!part.empty() && part != ".") {
      named = true;
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace

std::unique_ptr<PendingMiss> CompileHandler::begin_direct_link(const protocol::CompileRequest& req,
                                                               CompilerInfo compiler, protocol::CompileReply& reply,
                                                               CompileEvent* event) {
  auto flavor = tools::link::lld_flavor(os::basename_of(req.compiler));
  if (!flavor || unmodelled_env(req.env)) {
    passthrough(Passthrough::kLinkUnsupported, reply);
    return nullptr;
  }
  // lld expands @files with LLVM's GNU tokenizer, as clang does.
  RecordingFileReader reader;
  auto args = tools::expand_response_files(req.args, req.cwd, reader, tools::Family::kClang);
  if (!args) {
    passthrough(Passthrough::kResponseFile, reply);
    return nullptr;
  }
  tools::link::LinkPlan plan = tools::link::make_direct_link_plan(*flavor, *args);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  const bool wasm = *flavor == tools::link::LldFlavor::kWasm;
  if (wasm) {
    bool safe = true;
    for (const auto& p : plan.inputs) safe = safe && lexically_safe(p);
    for (const auto& p : plan.lib_dirs) safe = safe && lexically_safe(p);
    if (!safe) {
      passthrough(Passthrough::kLinkUnsupported, reply);
      return nullptr;
    }
  }
  auto link = new_link_miss(plan, req.cwd);
  if (!link) {
    passthrough(Passthrough::kOutputNotRegular, reply);
    return nullptr;
  }
  hash::Hasher h;
  h.add(kDirectLinkSalt).add_digest(compiler.identity);
  hash_link_request(h, req.cwd, *args, req.env);
  hash::Digest key = h.finish();

  link->inputs = wasm ? LinkMiss::Inputs::kReproduceTar : LinkMiss::Inputs::kLinkerDepfile;
  for (const auto& d : plan.lib_dirs) link->search_dirs.push_back(normal_dir(req.cwd, d));
  link->user_dirs = link->search_dirs.size();
  link->args = std::move(*args);
  link->plan = std::move(plan);
  return lookup_link(req, std::move(compiler), key, std::move(link), reply, event);
}

}  // namespace zccache::daemon
