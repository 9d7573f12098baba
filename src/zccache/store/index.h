// Index: the cache's key-value tables in one LMDB environment (<cache dir>/index/). LMDB gives
// ACID transactions and crash safety: a daemon killed mid-write leaves the last committed state.
// Thread-safe: LMDB allows concurrent readers and serialises writers; each call is its own
// transaction. Opened with MDB_NOTLS so that any thread may use it.
// Integrity: LMDB has no checksums, and a damaged data file hands back wrong bytes or faults (one
// bit flipped at random offsets of a 4 MB index: 62 % of 400 flips changed a value silently, 3
// crashed the reader). So every value is stored with a checksum of (table, key, value), and a
// value that fails it reads as kCorrupt (get), is skipped (for_each) or erased (rewrite_each);
// open_or_rebuild() reads the whole file in a child process before the daemon trusts it.
// Errors: LMDB failures are kStore, damage (LMDB's own corruption codes, a failed checksum, an
// index of another format) is kCorrupt; a full map says so in its message (the map never grows).
// Only one Index per directory may be open in a process at a time (an LMDB rule).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/result.h"

namespace zccache::store {

enum class Table : uint8_t {
  kManifests,  // request key (16 bytes) -> encode_manifest
  kResults,    // result key (16 bytes) -> encode_result
  kMeta,       // small named values: statistics, format version
  kUsage,      // result key (16 bytes) -> u64 little-endian last use, ns since the epoch (usage_tracker.h)
  kOutputs,    // absolute object path -> JSON of the inputs of the request that last stored it (explain)
};

// One put (value set) or erase (value empty) of write_batch.
struct IndexWrite {
  Table table;
  std::string key;
  std::optional<std::string> value;
};

enum class Rewrite : uint8_t { kKeep, kReplace, kErase };

// The layout of an index directory. It is kept apart from the tables, in the LMDB database
// "format" (key "index", decimal ASCII), so that any version can read it before anything else.
//   none  zccache before format versioning: values without checksums
//   1     every value ends in 8 bytes of XXH3-128 over (table, key, value)
// There is no migration yet: an index of another format is discarded (open_or_rebuild).
inline constexpr uint32_t kIndexFormat = 1;

class Index;

// <index dir>/crashed: the daemon's fatal-signal handler creates it (holding the signal number).
// Checks cannot reach every damage (a bad page header is read only when that page is next
// written), so an index whose last user crashed is discarded by the next open_or_rebuild rather
// than crash every daemon that starts on it.
std::string crash_marker_path(const std::string& dir);

enum class IndexOrigin : uint8_t { kOpened, kCreated, kRebuilt };

struct OpenedIndex {
  std::unique_ptr<Index> index;
  IndexOrigin origin = IndexOrigin::kOpened;
  std::string rebuilt_because;  // kRebuilt: why the previous index was discarded, one line
};

class Index {
 public:
  // Opens or creates the environment in `dir` (created if missing) with a map of map_size_bytes.
  // A new index is stamped kIndexFormat. An existing one in another format, or in none, is
  // refused with kCorrupt and left as it is.
  static Result<std::unique_ptr<Index>> open(const std::string& dir, uint64_t map_size_bytes = 1ull << 32);
  // open() for the daemon, which must not crash on its own files: first checks an existing index
  // in a child process (os::run_in_child): meta page fields, a read of every page, and a write
  // that is then aborted. When that crashes or finds damage, or open() says kCorrupt, or the
  // crash marker is there, deletes data.mdb and lock.mdb (and the marker) and creates an empty
  // index. The caller then owns what the old index named (the daemon clears the artifacts).
  // Other failures (permissions, a full disk) are returned and nothing is deleted.
  // REQUIRES: no other thread runs (the fork). Cost: one read of the data file.
  static Result<OpenedIndex> open_or_rebuild(const std::string& dir, uint64_t map_size_bytes = 1ull << 32);
  virtual ~Index() = default;

  // kCorrupt when the stored value fails its checksum (callers treat it as absent; the next put
  // replaces it).
  virtual Result<std::optional<std::string>> get(Table table, std::string_view key) = 0;
  virtual Status put(Table table, std::string_view key, std::string_view value) = 0;
  virtual Status erase(Table table, std::string_view key) = 0;
  virtual Result<uint64_t> count(Table table) = 0;
  // Applies every write in one transaction: all or nothing.
  virtual Status write_batch(const std::vector<IndexWrite>& writes) = 0;
  // Calls fn(key, value) for each entry of `table` in key order, in one read transaction (a
  // consistent snapshot; writers are not blocked); stops early when fn returns false. The views
  // are valid only during the call. Values that fail their checksum are skipped.
  virtual Status for_each(Table table, const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  // Visits each entry of `table` in one write transaction (other writers wait): fn returns kKeep,
  // kErase, or kReplace after filling *replacement. Values that fail their checksum are erased
  // without a call.
  virtual Status rewrite_each(
      Table table, const std::function<Rewrite(std::string_view, std::string_view, std::string*)>& fn) = 0;
  // Empties kManifests, kResults and kUsage (kMeta too when include_meta). LMDB hands the freed pages out
  // again only two commits later, so right after clearing a full map a large put may still fail.
  virtual Status clear(bool include_meta) = 0;
  // Bytes of the LMDB data file on disk (allocated blocks: the file is sparse, not its st_size).
  virtual uint64_t size_bytes() = 0;
};

}  // namespace zccache::store
