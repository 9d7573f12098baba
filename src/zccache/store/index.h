// Index: the cache's key-value tables in one LMDB environment (<cache dir>/index/). LMDB gives
// ACID transactions and crash safety: a daemon killed mid-write leaves the last committed state.
// Thread-safe: LMDB allows concurrent readers and serialises writers; each call is its own
// transaction. Opened with MDB_NOTLS so that any thread may use it.
// Errors: every LMDB failure is kStore; a full map says so in its message (the map never grows).
// Only one Index per directory may be open in a process at a time (an LMDB rule).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "zccache/base/result.h"

namespace zccache::store {

enum class Table : uint8_t {
  kManifests,  // request key (16 bytes) -> encode_manifest
  kResults,    // result key (16 bytes) -> encode_result
  kMeta,       // small named values: statistics, format version
};

class Index {
 public:
  // Opens or creates the environment in `dir` (created if missing) with a map of map_size_bytes.
  static Result<std::unique_ptr<Index>> open(const std::string& dir, uint64_t map_size_bytes = 1ull << 32);
  virtual ~Index() = default;

  virtual Result<std::optional<std::string>> get(Table table, std::string_view key) = 0;
  virtual Status put(Table table, std::string_view key, std::string_view value) = 0;
  virtual Status erase(Table table, std::string_view key) = 0;
  virtual Result<uint64_t> count(Table table) = 0;
  // Empties kManifests and kResults (kMeta too when include_meta). LMDB hands the freed pages out
  // again only two commits later, so right after clearing a full map a large put may still fail.
  virtual Status clear(bool include_meta) = 0;
  // Bytes of the LMDB data file on disk (allocated blocks: the file is sparse, not its st_size).
  virtual uint64_t size_bytes() = 0;
};

}  // namespace zccache::store
