// What the link paths share (link_compile.cc for driver links and ar, direct_link_compile.cc for
// ld.lld and wasm-ld): the key's environment, the linker's identity, the library search check,
// and delivery of a link's outputs. Thread-safe (the memo of linker identities has a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/hash/digest.h"
#include "zccache/hash/hasher.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon::link_support {

// `dir` made absolute against cwd, lexically normal, without a trailing '/'.
std::string normal_dir(const std::string& cwd, std::string_view dir);

// `name` as exec would find it: a path with '/' as it is (real path), else the first executable
// in env's PATH. Empty when not found.
std::string resolve_program(const std::string& name, const std::vector<std::string>& env);

// Adds the cwd, the arguments and the environment variables that change what a driver or linker
// does (searched dirs, run paths, messages) to the key.
void hash_link_request(hash::Hasher& h, const std::string& cwd, const std::vector<std::string>& args,
                       const std::vector<std::string>& env);

// A LinkMiss with the plan's output and map made absolute against cwd; nullptr when one of them
// exists and is not a regular file (never written, renamed over or unlinked).
std::unique_ptr<LinkMiss> new_link_miss(const tools::link::LinkPlan& plan, const std::string& cwd);

// True when the environment adds search paths or programs we do not model (GCC_EXEC_PREFIX,
// COMPILER_PATH) or asks for an extra dependency file.
bool unmodelled_env(const std::vector<std::string>& env);

// The linker binary's content plus that of the shared libraries it loads (shared_libraries.h;
// the list memoized per binary content). An error when a library is missing.
Result<hash::Digest> linker_identity(const std::string& path, fscache::MetadataCache& files);

// Writes a stored link's outputs: the program (0777 or 0666 by its role, less the umask) and,
// when `map` is not empty, the map file (0666 less the umask). false when an output path is not
// a regular file.
Result<bool> deliver_link(const store::ResultEntry& entry, const std::string& output, const std::string& map,
                          uint32_t umask, store::ArtifactStore& artifacts);

// The journal's view of a link: argv, first input, output.
tools::Plan journal_plan(tools::Family family, const std::vector<std::string>& args, const std::string& first_input,
                         const std::string& output);

// Shadow names for a library the linker took from its directory: lib<name>.so and .a absent from
// every directory searched before it (search: the linker's order; user_dirs of them from -L),
// and lib<name>.so absent beside a chosen .a. A library in a directory not in `search` counts as
// found after every -L directory.
void add_library_shadows(const std::string& abs_path, const std::vector<std::string>& search, size_t user_dirs,
                         std::map<std::string, std::set<std::string>>& shadows);

}  // namespace zccache::daemon::link_support
