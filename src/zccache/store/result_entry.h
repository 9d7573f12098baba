// ResultEntry: what a cached compile produced. Output files live in the ArtifactStore as
// content-addressed blobs; this entry names them by role and digest.
//
// Encoding (encode_result): u32 format version (kResultFormat), i32 exit_code, string stdout,
// string stderr, u64 compile_time_ns, u32 output count, outputs (string role, 16-byte blob digest,
// u64 size), u8 has_depfile, then when set: string depfile_bytes, string-vector targets,
// string-vector deps, u8 phony_targets, u8 renderable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/hash/digest.h"

namespace zccache::store {

inline constexpr uint32_t kResultFormat = 1;

struct StoredOutput {
  std::string role;  // "object", "dwo", "su", ... (the tool family names them)
  hash::Digest blob;
  uint64_t size = 0;
  bool operator==(const StoredOutput&) const = default;
};

struct ResultEntry {
  int32_t exit_code = 0;
  std::string stdout_data;
  std::string stderr_data;
  uint64_t compile_time_ns = 0;
  std::vector<StoredOutput> outputs;

  // The user's depfile, when the compile wrote one.
  bool has_depfile = false;
  std::string depfile_bytes;                 // exactly as the compiler wrote it
  std::vector<std::string> depfile_targets;  // as written
  std::vector<std::string> depfile_deps;     // as written
  bool phony_targets = false;
  bool renderable = false;  // render_depfile(targets) reproduced depfile_bytes at store time

  bool operator==(const ResultEntry&) const = default;
};

std::string encode_result(const ResultEntry& entry);
std::optional<ResultEntry> decode_result(std::string_view bytes);

}  // namespace zccache::store
