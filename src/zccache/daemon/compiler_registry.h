// CompilerRegistry: what the daemon knows about each compiler binary, memoized.
//
// - identity: a digest over the path the build invoked (clang picks its driver mode from argv[0]),
//   the resolved real path, and the binary's content hash (from the metadata cache, so it is
//   memoized by dev/inode/size/mtime/ctime: a replacement that keeps size and mtime still moves
//   ctime) plus the `--version` text.
// - family: gcc or clang, from the macros the compiler predefines (__clang__, __GNUC__), never
//   from the name alone (cc and c++ are alternatives symlinks; a "gcc" may be clang elsewhere).
// - rustc and clippy-driver (family kRust, from `--version`): the identity also covers `-vV` (commit hash, LLVM
//   version) and the content of the toolchain's shared libraries and standard-library crates
//   (<sysroot>/lib/*.so*, <sysroot>/lib/rustlib/<target>/lib/*), re-checked on every call through
//   the metadata cache, so a reinstalled std under an unchanged rustc binary is seen.
// - ar (family kAr, `--version` says "GNU ar"): the identity also covers the BFD plugins in
//   /usr/lib/bfd-plugins, which ar loads to index LTO objects.
// - lld called directly (family kLld, `--version` says "LLD"): the identity also covers the shared
//   libraries it loads (libLLVM), see shared_libraries.h.
// - emcc/em++ (family kEmcc, `--version` says "emcc (Emscripten"): the identity also covers the
//   Emscripten sources that run (tools/, src/, third_party/ and the top-level files of the
//   directory of emcc.py); the listing is redone when one of those directories changes. The
//   config, the tools it names and the environment are per request (daemon/emcc_setup.h).
// - the invoked path's resolution and, for compilers whose identity needs nothing checked per call
//   (no toolchain files: gcc, clang), the whole answer are remembered per invoked path while the
//   directories of the symbolic links followed (/usr/bin/cc -> /etc/alternatives/cc -> ...) and of
//   the binary have no watcher event, and the binary's facts are unchanged: a warm hit then costs
//   no realpath(3) walk (8 readlinks for Debian's clang++) and no identity hash.
// - the probes' answers and the digests behind them are saved in the index (saved_probe.h): a
//   new daemon runs no probe and hashes no toolchain while their stat signatures hold.
// - search directories: the quote and angle include lists the compiler uses for a set of flags,
//   parsed from `<compiler> <flags> -E -v -x <lang> /dev/null`, memoized per (identity, flags, env, cwd).
//
// Thread-safe (a mutex guards the maps; probes run outside it).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/daemon/saved_probe.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/hash/digest.h"
#include "zccache/tools/plan.h"
#include "zccache/watcher/generation_snapshot.h"

namespace zccache::daemon {

struct CompilerInfo {
  tools::Family family = tools::Family::kUnknown;
  hash::Digest identity;
  std::string real_path;
  // The compiler takes __DATE__/__TIME__ from SOURCE_DATE_EPOCH (gcc >= 7, clang >= 16): only
  // then may a file using them be cached, with the epoch in the key.
  bool honors_source_date_epoch = false;
  // kRust: the binary is clippy-driver (`--version` says "clippy"), which cargo runs as
  // `clippy-driver <rustc path> <rustc args>` (RUSTC_WORKSPACE_WRAPPER).
  bool clippy = false;
  // kAr: GNU ar writes zero timestamps and uids unless told `U` (its --help marks D "(default)").
  bool deterministic_default = false;
  // kEmcc: the directory holding emcc.py.
  std::string emscripten_root;
};

struct SearchDirs {
  std::vector<std::string> quote;  // #include "..." only (-iquote)
  std::vector<std::string> angle;  // #include <...> (-I, -isystem, system dirs, -idirafter), in order
  // Directories of the path that did not exist when the compiler was asked ("ignoring nonexistent
  // directory"): the list above leaves them out, and their place in the order is not printed.
  // One that appears later with a header would shadow the one used, so they count as searched
  // before every other (a header appearing in a later one costs a needless miss, never a stale hit).
  std::vector<std::string> missing;
};

// Parses the stderr of a `-E -v` run (exposed for tests).
SearchDirs parse_search_dirs(std::string_view verbose_output);

class CompilerRegistry {
 public:
  // tmp_dir: a directory only this user can write (ZCCACHE_DIR/tmp), for a probe's source file.
  // index: where probes are saved for the next daemon (saved_probe.h); null saves nothing.
  CompilerRegistry(fscache::MetadataCache& files, std::string tmp_dir, store::Index* index = nullptr)
      : files_(files), tmp_dir_(std::move(tmp_dir)), index_(index) {}

  Result<CompilerInfo> info(const std::string& invoked_path);
  // env: the compile's environment ("NAME=VALUE"); cwd: its working directory.
  Result<SearchDirs> search_dirs(const std::string& compiler, const CompilerInfo& info,
                                 const tools::Plan& plan, const std::vector<std::string>& env,
                                 const std::string& cwd);

 private:
  // What an invoked path resolved to, valid while `links` is unchanged.
  struct Resolved {
    std::string real;
    watcher::GenerationSnapshot links;
    // The answer, when nothing but the binary's digest can change it (no toolchain files).
    std::optional<CompilerInfo> info;
    hash::Digest binary_digest;
  };
  static constexpr size_t kMaxResolved = 4096;  // invoked paths; past it all are forgotten

  // The real path of `invoked_path` (empty when it cannot be resolved), remembered when the
  // watcher covers its links; with the remembered answer, if any, and the digest it was made for.
  struct Resolution {
    std::string real;
    std::optional<CompilerInfo> info;
    hash::Digest binary_digest;
  };
  Resolution resolve(const std::string& invoked_path);
  void remember_info(const std::string& invoked_path, const CompilerInfo& info, const hash::Digest& binary_digest);
  // The probe an earlier daemon saved for `real`, its files' digests handed to the metadata cache;
  // only when this daemon has no probe of its own for it.
  std::optional<CompilerProbe> saved_probe(const std::string& real);
  // Saves a fresh probe when every digest and listing in it is old enough to prove anything.
  void save(const std::string& real, const CompilerProbe& probe);

  fscache::MetadataCache& files_;
  const std::string tmp_dir_;
  store::Index* const index_;
  std::mutex mutex_;
  std::unordered_map<std::string, CompilerProbe> probes_;  // real path -> probe; GUARDED_BY(mutex_)
  std::unordered_map<std::string, Resolved> resolved_;  // invoked path -> resolution; GUARDED_BY(mutex_)
  std::unordered_map<hash::Digest, SearchDirs, hash::DigestHash> search_dirs_;  // GUARDED_BY(mutex_)
};

}  // namespace zccache::daemon
