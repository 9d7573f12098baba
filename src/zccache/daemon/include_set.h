// The level-2 half of the key: build an include set from a finished compile's dependency list,
// and check one against the file system at lookup.
//
// A set holds (path, digest) of every file the compile read, plus the existence of every path
// that would have shadowed a header had it existed: for a header found as <dir_k>/<rel>, the
// paths <d>/<rel> for every quote directory (the directories of the compile's own files, -iquote)
// and every angle directory searched before dir_k; and <d>/<name> for every literal
// __has_include(name) probe, in every directory. Creating any of them after the compile makes the
// set stale, which closes the direct-mode hole where a new header earlier in the path is ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zccache/daemon/compiler_registry.h"
#include "zccache/fscache/directory_cache.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/os/file_info.h"
#include "zccache/store/manifest.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon {

struct IncludeSetBuild {
  tools::Passthrough refused = tools::Passthrough::kNone;  // kTooNew or kDateTime when not storable
  std::string detail;
  store::IncludeSet set;  // result_key left empty for the caller
};

// dep_paths: as the compiler spelled them (relative to cwd or absolute), source first.
// start_time_ns: when the compile started; a file changed after it (minus the clock's coarse
// tick) may not match the object and refuses the set.
// written_dirs: absolute directories the compile itself writes outputs into; their mtime moves
// during the compile for that reason alone, so only their recorded names are checked for changes.
// settled: digests of files (absolute paths) hashed before the compile started. A file changed
// too recently to trust its timestamp is still accepted when its content is the one hashed
// before the start: it did not change while the compile read it (e.g. code a build script wrote
// a moment before rustc ran).
// at_compile_end: stats of files (absolute paths) taken right after the compile, before the
// build went on; a file whose stat differs now is not the one the compile read and refuses the set.
// When `complete`, a dep path without a stat there refuses the set too; otherwise (the stats came
// from the user's -MMD depfile, and dep_paths from a later scan that adds system headers) only the
// files it has are compared.
struct CompileEndStats {
  std::map<std::string, os::FileInfo> stats;
  bool complete = true;
};
Result<IncludeSetBuild> build_include_set(const std::vector<std::string>& dep_paths, const SearchDirs& dirs,
                                          const std::string& cwd, int64_t start_time_ns,
                                          bool allow_time_macros, fscache::MetadataCache& files,
                                          fscache::DirectoryCache& listings,
                                          const std::set<std::string>& written_dirs = {},
                                          const std::map<std::string, hash::Digest>* settled = nullptr,
                                          const CompileEndStats* at_compile_end = nullptr);

// True when every file still has its digest, every shadow path its recorded existence and every
// recorded environment variable its value in `env` ("NAME=VALUE"; a set with env entries never
// matches without it).
bool include_set_matches(const store::IncludeSet& set, const std::string& cwd, fscache::MetadataCache& files,
                         fscache::DirectoryCache& listings, const std::vector<std::string>* env = nullptr);

// One set that matches exactly when every one of `sets` matches (all relative to one cwd): each
// file and directory once, so that the sources of a multi-source request, which share most of
// their headers, are checked together. nullopt when the sets contradict each other (a file with
// two digests, a name both absent and present): they cannot all match at once. The sets are
// moved from.
std::optional<store::IncludeSet> merge_include_sets(std::vector<store::IncludeSet> sets);

}  // namespace zccache::daemon
