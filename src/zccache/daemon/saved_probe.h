// SavedProbe: what CompilerRegistry learnt about a compiler (its probes' answers and the digests of
// its binary and toolchain files), kept in the index so that a new daemon does not run the probes
// again. Without it every daemon start cost the first compile ~70 ms for clang (three probe
// processes: --version, -E -dM, the SOURCE_DATE_EPOCH test) and 0.14 s for a Rust toolchain
// (hashing its 500 MB), which a CI job with a restored cache dir pays on every run.
//
// A saved probe is used only while every file it names still has the stat signature (dev, inode,
// size, mtime_ns, ctime_ns) its digest was proven under (MetadataCache's racy window) and every
// directory it listed keeps its mtime; a replaced compiler moves at least its ctime. It is saved
// only when all of those were old enough to prove anything, and only a daemon of the same version
// reads it (the probes may differ between versions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zccache/hash/digest.h"
#include "zccache/os/file_info.h"
#include "zccache/tools/plan.h"

namespace zccache::store {
class Index;
}

namespace zccache::daemon {

// The answers of a compiler's probes (CompilerRegistry::info).
struct CompilerProbe {
  hash::Digest binary_digest;
  tools::Family family = tools::Family::kUnknown;
  std::string version_text;
  bool honors_source_date_epoch = false;
  std::vector<std::string> toolchain_files;  // the files besides the binary the identity covers
  bool clippy = false;
  bool deterministic_default = false;
  std::string emscripten_root;
  // The directories listed for toolchain_files, with their mtime then: a file added or removed
  // changes one of them.
  std::vector<std::pair<std::string, int64_t>> listed_dirs;
};

struct SavedFile {
  std::string path;
  os::FileInfo info;  // the whole stat signature the digest was proven under
  hash::Digest digest;
};

struct SavedProbe {
  CompilerProbe probe;
  std::vector<SavedFile> files;  // the binary and each toolchain file
};

// JSON; decode gives nullopt for anything malformed or written by another zccache version.
std::string encode_saved_probe(const SavedProbe& saved);
std::optional<SavedProbe> decode_saved_probe(std::string_view text);

// The index key of a compiler's saved probe (Table::kMeta).
std::string saved_probe_key(const std::string& real_path);

// index may be null (nothing saved, nothing found).
std::optional<SavedProbe> load_saved_probe(store::Index* index, const std::string& real_path);
void save_probe(store::Index* index, const std::string& real_path, const SavedProbe& saved);

}  // namespace zccache::daemon
