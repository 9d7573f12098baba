// ZCCACHE_BASEDIR: cache entries shared between checkouts at different absolute paths (two
// clones on one machine, or a CI runner and a developer through the remote tier), as ccache's
// base_dir, but only where that cannot change what a hit delivers.
//
// A compile is *relocated* when all of these hold; otherwise its key keeps every path as given:
//  1. ZCCACHE_BASEDIR (in the compile's environment) is an absolute, normalised directory other
//     than "/", and the working directory is it or below it.
//  2. Paths under it cannot reach the outputs: a prefix map whose old part is exactly the base
//     directory covers both __FILE__ (-ffile-prefix-map= or -fmacro-prefix-map=) and debug info
//     (-ffile-prefix-map= or -fdebug-prefix-map=), its new part is not itself under the base
//     directory, and no other prefix map's old part is a textual prefix of it or lies below it
//     (gcc and clang match plain text prefixes and pick among several matches differently).
//  3. The command line is not recorded in the object (-frecord-command-line,
//     -grecord-command-line, -frecord-gcc-switches).
//  4. No extra outputs (.dwo, whose name the object records). A user depfile (-MD, -MMD, ...) is
//     fine when the base directory's path needs no make escaping (no space, tab, '$', '#', '\',
//     ':' or control character): the depfile is stored with a marker for it (below).
// What relocation changes:
//  - the request key: absolute paths under the base directory in the source and in path options
//    (-I, -isystem, -iquote, -idirafter, -include, -imacros, -isysroot, --sysroot, -iprefix,
//    -iwithprefix, -iwithprefixbefore, -B, -L, and the old part of the prefix maps) become
//    "<BASEDIR>/relative" (a marker that no real argument spells), and the working directory (and
//    PWD) relative to the base directory is always part of the key;
//  - the include set: absolute paths under the base directory are recorded relative to the
//    working directory, which the key pins relative to the base directory, so a lookup from
//    another checkout checks its own files.
//  - a relocated result whose stdout or stderr names the base directory (a warning printed with
//    absolute paths) is not stored: another checkout would replay this one's paths.
//  - a relocated result is not stored either when the compiler named a file under the base
//    directory by a path that no relocated argument leads to (an `#include "/abs/path.h"` in a
//    source, a -D macro holding a path): in another checkout that file stays where it is, so
//    neither its check nor its depfile line may move with the checkout. The paths a relocated
//    argument leads to begin with the source's directory or a path option's value (-I, -isystem,
//    -include, --sysroot, ...), because the compilers name headers by joining directories and
//    names as text (gcc's and clang's depfiles show it).
//  - the user's depfile: each dependency under the base directory is stored as
//    kDepfileBasedirMarker + the rest of its name, and a hit renders the depfile again for the
//    requesting checkout's base directory and targets (tools/depfile.h). Only a depfile that our
//    model of the compiler's writer reproduces byte for byte (ResultEntry::renderable) is stored
//    so: another base directory's length moves the line breaks. Paths outside the base directory
//    (system headers) stay as they are.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/daemon/request_key.h"
#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon {

inline constexpr const char* kBasedirEnv = "ZCCACHE_BASEDIR";

// The base directory of a compile's environment, normalised (no trailing '/'), or empty when unset
// or unusable (relative, "/", holding "." or ".." components).
std::string basedir_from_env(const std::vector<std::string>& env);

// True when rules 1 to 4 above hold for `plan` compiled in `cwd`.
bool relocatable(const tools::Plan& plan, std::string_view cwd, std::string_view basedir);

// The plan and environment the request key is computed from for a relocated compile.
struct RelocatedKeyParts {
  tools::Plan plan;              // key_args and source rewritten, cwd_matters set
  std::string cwd;               // "<BASEDIR>/rel" form
  std::vector<std::string> env;  // PWD rewritten likewise when it lies under the base directory
};
// REQUIRES: relocatable(plan, cwd, basedir).
RelocatedKeyParts relocate_for_key(const tools::Plan& plan, std::string_view cwd, const std::vector<std::string>& env,
                                   std::string_view basedir);

// request_key() of a relocated compile. REQUIRES: relocatable(*in.plan, in.cwd, basedir).
hash::Digest relocated_request_key(const KeyInputs& in, std::string_view basedir);

// Stands for the base directory in a stored depfile's dependency names. ESC starts no path.
inline constexpr std::string_view kDepfileBasedirMarker = "\x1b[zccache-basedir]";

// Prepares a relocated compile's include set and depfile for the store (relativize_include_set,
// the depfile marker); false when the entry must not be stored (see above). `dep_paths`: every
// file the compile read, as the compiler spelled it.
bool relocate_entry(store::IncludeSet& set, store::ResultEntry& entry, const std::vector<std::string>& dep_paths,
                    const tools::Plan& plan, std::string_view cwd, std::string_view basedir);

// True when the stored depfile was relocated (its names hold kDepfileBasedirMarker).
bool depfile_relocated(const store::ResultEntry& entry);
// The stored depfile's dependency names (escaped) for a checkout at `basedir`; nullopt when
// `basedir` is unusable for it (empty, or in need of escaping).
std::optional<std::vector<std::string>> localized_depfile_deps(const store::ResultEntry& entry,
                                                               std::string_view basedir);

// Every absolute file and directory path of `set` under `basedir` made relative to `cwd`.
// REQUIRES: cwd is basedir or below it (both normalised absolute paths).
void relativize_include_set(store::IncludeSet& set, std::string_view cwd, std::string_view basedir);

// True when `text` names the base directory (a diagnostic with an absolute path).
bool mentions_basedir(std::string_view text, std::string_view basedir);

}  // namespace zccache::daemon
