// FpState: what zccache-fp keeps in its cache file between runs: the files of the last scan with
// their stat facts and content hash (so that an unchanged file is not read again), and the file
// set recorded by the last mark-success.
//
// Cache file format (version 1), integers little-endian, strings as u32 length + bytes:
//   u32 magic "ZCFP" (0x5046435A), u32 version
//   string root                                the absolute root of the last scan
//   u32 n, then n files sorted by path:        string path, u64 size, i64 mtime_ns, i64 ctime_ns,
//                                              u64 inode, 16-byte XXH3-128 of the content,
//                                              u8 trusted (see fingerprint.h: racy timestamps)
//   u8 has_success, then when 1:               string spec (root, includes, excludes; see
//                                              spec_string), u32 m, m files sorted by path:
//                                              string path, 16-byte digest
// A file that does not decode exactly (wrong magic or version, truncated, trailing bytes) is
// treated as absent: no known state, every file hashed, `check` says changed.
// Sizes: ~70 bytes per file and list, so 100k files cost ~14 MB; loading that is a few ms.
// Plain value types; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/hash/digest.h"

namespace zccache::fp {

inline constexpr uint32_t kFpMagic = 0x5046435A;  // "ZCFP" in little-endian bytes
inline constexpr uint32_t kFpFormat = 1;

struct FileRecord {
  std::string path;  // relative to the root
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;
  hash::Digest digest;
  bool trusted = false;  // the stat facts may stand in for the content next time
  bool operator==(const FileRecord&) const = default;
};

struct SuccessFile {
  std::string path;
  hash::Digest digest;
  bool operator==(const SuccessFile&) const = default;
};

struct FpState {
  std::string root;
  std::vector<FileRecord> files;  // sorted by path
  bool has_success = false;
  std::string success_spec;
  std::vector<SuccessFile> success;  // sorted by path
  bool operator==(const FpState&) const = default;
};

std::string encode_state(const FpState& state);
std::optional<FpState> decode_state(std::string_view bytes);

}  // namespace zccache::fp
