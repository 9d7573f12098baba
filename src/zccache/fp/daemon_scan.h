// scan_with_daemon: scan_files() answered by the running daemon of ZCCACHE_DIR
// (daemon/fingerprint_handler.h): the same files, with their stat facts and, for those the
// daemon's metadata cache knows, their content digest; or only "unchanged" when they are exactly
// the records the caller already has. One round trip.
//
// Never starts a daemon. A daemon that has just started knows no digest, so the check that
// started it would be no faster than the local mode (plus the start); the gain comes from a daemon
// that has watched the tree across checks, which is the one zccache's compiles (or `zccache start`)
// keep running. And a build step that asked whether its inputs changed should not leave a
// background process behind.
//
// Any failure (no daemon, a timeout of ZCCACHE_TIMEOUT, an error reply, a daemon of another
// version, a malformed reply) is an error; the caller then scans locally, so the daemon can make
// zccache-fp faster but never makes it fail. Digests are XXH3-128 of the content in both modes,
// so records from either are valid in the other.
// Not thread-safe (one request at a time per process is all zccache-fp needs).
#pragma once

#include <vector>

#include "zccache/base/result.h"
#include "zccache/fp/file_set.h"
#include "zccache/fp/fp_state.h"

namespace zccache::fp {

struct DaemonScan {
  bool unchanged = false;          // the files are exactly `previous`, stat facts and digests
  std::vector<ScannedFile> files;  // when not: files the daemon did not read have no digest
};

// previous: the records of the last scan of this root (sorted), or none; with none, the daemon
// reads the files it does not know before it answers, since there is no digest to reuse here.
Result<DaemonScan> scan_with_daemon(const FileSetSpec& spec, const std::vector<FileRecord>& previous);

}  // namespace zccache::fp
