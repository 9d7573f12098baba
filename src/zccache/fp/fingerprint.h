// Fingerprint: the content state of a file set, computed cheaply from the previous one, and the
// difference between two states.
//
// A file keeps its previous digest without being read when its size, mtime, ctime and inode are
// the recorded ones and the record is trusted. Racy timestamps: a file written in the same clock
// tick as our stat could change again without moving mtime (the kernel stamps files with a coarse
// clock, and some file systems keep 1 s or 2 s granularity), so a file whose mtime or ctime is
// within kRacyWindowNs of the scan's start is hashed but not trusted: the next run hashes it
// again. The same rule as git's racy-clean index and ccache's inode cache min_age.
// Pure functions apart from reading the files; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/fp/file_set.h"
#include "zccache/fp/fp_state.h"

namespace zccache::fp {

inline constexpr int64_t kRacyWindowNs = 2'000'000'000;

struct ScanStats {
  uint64_t files = 0;
  uint64_t hashed = 0;    // read and hashed here
  uint64_t supplied = 0;  // digest supplied with the scan (by the daemon)
  // The rest reused their recorded digest.
};

// The records of `scanned` (sorted), reusing `previous` (records of the same root, sorted) where
// allowed; a file that comes with its digest takes it, trusted by the same racy-timestamp rule
// (its digest was computed under exactly its stat facts, so a record of it is as good as one
// hashed here). scan_start_ns: CLOCK_REALTIME taken before the walk (or the daemon request)
// began. A file that vanished before it could be read is left out; any other read error fails.
Result<std::vector<FileRecord>> fingerprint(const std::string& root, const std::vector<ScannedFile>& scanned,
                                            const std::vector<FileRecord>& previous, int64_t scan_start_ns,
                                            ScanStats* stats = nullptr);

// A digest of a file list in order: each file's path, size, mtime, ctime, inode and content digest
// (not `trusted`, which depends on when the list was made). zccache-fp and the daemon compare
// theirs so that a list that did not change is not sent back (protocol::FingerprintRequest).
class RecordsDigest {
 public:
  explicit RecordsDigest(size_t files = 0) { bytes_.reserve(files * 72); }
  void add(std::string_view path, uint64_t size, int64_t mtime_ns, int64_t ctime_ns, uint64_t inode,
           const hash::Digest& digest);
  hash::Digest finish() const;

 private:
  std::string bytes_;  // the fields, length-prefixed and fixed width, hashed at once (cheaper than
                       // six hasher updates per file)
};
hash::Digest records_digest(const std::vector<FileRecord>& records);

enum class ChangeKind { kAdded, kRemoved, kModified };

struct Change {
  ChangeKind kind;
  std::string path;
  bool operator==(const Change&) const = default;
};

// What changed from `before` to `now`, sorted by path.
std::vector<Change> diff(const std::vector<SuccessFile>& before, const std::vector<FileRecord>& now);
const char* change_name(ChangeKind kind);

// The identity of a selection: root, includes and excludes in order. A success recorded under
// another spec does not vouch for this one.
std::string spec_string(const std::string& root, const std::vector<std::string>& includes,
                        const std::vector<std::string>& excludes);

}  // namespace zccache::fp
