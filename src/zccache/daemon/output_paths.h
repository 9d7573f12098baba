// The files a C/C++ compile writes, and moving them between the build tree and the store:
// copy_outputs() after a miss, deliver_result() on a hit, scan_dependencies() for -MMD.
// Roles in a ResultEntry: "object", then "extra<N>" for Plan::extra_outputs[N]; the user's
// depfile travels as bytes inside the entry (it is re-rendered for another target name).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon {

// Every path the compile writes, as given (object, depfile, extra outputs).
std::vector<std::string> user_outputs(const tools::Plan& plan);

// The mode of a new output for the client's umask (what the compiler's open(0666) would give).
inline mode_t output_mode(uint32_t umask) { return 0666 & ~static_cast<mode_t>(umask); }

// True when `abs_path` does not exist or is a regular file.
bool writable_output(const std::string& abs_path);
// The single-file step of unshare_outputs().
void unshare_output(const std::string& abs_path);
// Writes `data` to `path` atomically with exactly `mode` (a depfile delivered as bytes).
Status write_output(const std::string& path, std::string_view data, mode_t mode);

// True when no output exists as anything but a regular file: we never write, rename over or
// unlink /dev/null, a FIFO or a symlink.
bool outputs_writable(const tools::Plan& plan, const std::string& cwd);

// Gives every output that shares its inode with other links (a cache blob, after a hardlinked
// hit) an inode of its own with the same bytes, mode and times, so that a compiler writing in
// place cannot reach the cache and a failing compile still leaves the previous output.
void unshare_outputs(const tools::Plan& plan, const std::string& cwd);

// The depfile targets the compiler writes for this plan: -MT/-MQ names, else the object name.
std::vector<std::string> expected_depfile_targets(const tools::Plan& plan);

// Copies the compile's outputs into `artifacts` and fills entry.outputs and the depfile fields.
Status copy_outputs(const tools::Plan& plan, const std::string& cwd, store::ArtifactStore& artifacts,
                    store::ResultEntry& entry);

// Writes the entry's outputs to the plan's paths with `mode`. false (and nothing written) when the
// stored depfile cannot be rendered for this plan's targets. `basedir`: the request's
// ZCCACHE_BASEDIR (basedir.h), which a relocated depfile is rendered for.
Result<bool> deliver_result(const tools::Plan& plan, const store::ResultEntry& entry, const std::string& cwd,
                            mode_t mode, store::ArtifactStore& artifacts, std::string_view basedir = {});

// The full dependency list (system headers included) of the plan's source, from a
// preprocessor-only `-M` run: used only when the user's -MMD depfile leaves system headers out.
Result<std::string> scan_dependencies(const std::string& compiler, const tools::Plan& plan,
                                      const std::vector<std::string>& env, const std::string& cwd,
                                      const std::string& tmp_dir);

}  // namespace zccache::daemon
