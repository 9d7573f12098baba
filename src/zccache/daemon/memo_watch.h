// Which directories' watch generations vouch for a remembered request's input checks
// (request_memo.h), so that a repeat whose directories all kept their generations skips them: no
// per-file lookup, no per-directory listing, one atomic load per directory (GenerationSnapshot).
//
// Response files are left out: they sit in the build directory, which every build writes to
// (a new generation for each object written there), so the caller checks them one by one (a few
// lookups) and the snapshot of everything else survives.
//
// The checks of a memo hit are: each source and include-set file has its digest
// (MetadataCache), and each shadow directory of the include set lacks (or has) the names it
// recorded (DirectoryCache). A file's facts depend on its directory's generation only when the
// cache trusts it by watch (not a symlink, one link, a file system with reliable events); a
// listing's answer depends on the directory's generation except for names that are symlinks
// (stat()ed every time); a directory that does not exist stays missing while the nearest listed
// ancestor, which lacks the next component, keeps its generation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zccache/daemon/request_memo.h"
#include "zccache/fscache/directory_cache.h"
#include "zccache/fscache/metadata_cache.h"

namespace zccache::daemon {

// The directories (sorted, unique) on which every check of `memo` for a request from `cwd`
// depends; nullopt when some check depends on something else. Without `files`, only which
// directories (for the snapshot taken before the checks); with it, also that each file's facts are
// trusted by watch right now (call after the checks passed).
std::optional<std::vector<std::string>> memo_watch_dirs(const MemoEntry& memo, const std::string& cwd,
                                                        fscache::DirectoryCache& listings,
                                                        fscache::MetadataCache* files);

}  // namespace zccache::daemon
