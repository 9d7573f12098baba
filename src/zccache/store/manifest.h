// Manifest: for one request key, the include sets seen so far, newest first. A lookup is a hit
// when every file of one include set still has its recorded digest and every recorded directory
// is in its recorded state (a new header that would shadow an old one changes a directory).
//
// Paths are stored as the compiler spelled them (relative paths stay relative: they are resolved
// against the working directory of the lookup, which is the same one the key was made with).
//
// Encoding (encode_manifest): u32 format version (kManifestFormat), u32 entry count, then per
// entry: result key (16 bytes), u32 file count, files (string path, 16-byte digest), u32 list
// count, name lists (u32 count >= 1 + names), u32 dir count, dirs (string path, u8 exists, i64
// mtime_ns, u32 number of the absent list, u32 number of the present list), u32 env count, env
// (string name, 16-byte digest of the value). Strings are u32 length + bytes, integers
// little-endian. The lists are the entry's distinct non-empty ones, numbered from 1 in order of
// first use (0: empty), each written once: with 51 -I directories, 549 directories name 12
// lists, and an entry took 105 KB when each directory spelled its names out. Formats 3 (names
// spelled out per directory: u32 count + names, twice) and 2 (as 3, without the env list) are
// still read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/hash/digest.h"
#include "zccache/store/name_list.h"

namespace zccache::store {

inline constexpr uint32_t kManifestFormat = 4;
// Oldest include sets are dropped past this many (one per configuration seen, like ccache's 100 cap).
inline constexpr size_t kMaxIncludeSets = 32;

struct FileDigest {
  std::string path;
  hash::Digest digest;
  bool operator==(const FileDigest&) const = default;
};

// A directory where a new entry could shadow a header the compile used (or change the answer of
// a __has_include probe). It still matches when its mtime is the recorded one (no entry was added
// or removed), or else when each recorded name is still absent / present.
struct DirState {
  std::string path;                   // the directory, as spelled (cwd-relative or absolute)
  bool exists = false;
  int64_t mtime_ns = 0;               // 0: the mtime proves nothing (too recent, or symlinks inside)
  NameList absent;                    // names that did not exist in it, sorted
  NameList present;                   // names that did, sorted
  bool operator==(const DirState&) const = default;
};

// An environment variable the compile read (rustc's env-dep), by the digest of its value (not the
// value: env!("API_TOKEN") must not put a secret into the cache). See env_value_digest().
struct EnvDigest {
  std::string name;
  hash::Digest digest;
  bool operator==(const EnvDigest&) const = default;
};

struct IncludeSet {
  hash::Digest result_key;
  std::vector<FileDigest> files;
  std::vector<DirState> dirs;
  std::vector<EnvDigest> env;
  bool operator==(const IncludeSet&) const = default;
};

struct Manifest {
  std::vector<IncludeSet> entries;  // newest first
};

std::string encode_manifest(const Manifest& manifest);
// nullopt on any malformed input (a corrupt manifest is treated as absent).
std::optional<Manifest> decode_manifest(std::string_view bytes);
// The digest an EnvDigest records: of "unset" or of the value (unset differs from empty).
hash::Digest env_value_digest(const char* value);

// Makes the equal name lists of `set`'s directories share one copy (name_list.h).
void share_equal_lists(IncludeSet& set);

// Puts `entry` first, removing an older entry with the same result key, capping the size.
void add_include_set(Manifest& manifest, IncludeSet entry);

}  // namespace zccache::store
