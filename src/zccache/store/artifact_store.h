// ArtifactStore: content-addressed blobs under <root>/<2 hex>/<30 hex>, where root is the
// constructor's argument (the daemon passes <cache dir>/artifacts) and the name is the XXH3-128 of
// the content. Writes are atomic (AtomicFile); reads verify the content against its name, so a
// corrupted or truncated blob is never served: it is removed and reported as kCorrupt.
// Temporaries of put_file live in <root> as ".put.tmp.XXXXXX"; those of put_bytes in the shard.
// Thread-safe: every method works on its own files; two writers of one blob write the same bytes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/hash/digest.h"

namespace zccache::store {

class ArtifactStore {
 public:
  explicit ArtifactStore(std::string root);

  // Copies the content of `src_path` into the store; returns its digest and sets *size (when not
  // null) to the bytes stored. The digest is of the bytes actually copied. Creates root if missing.
  Result<hash::Digest> put_file(const std::string& src_path, uint64_t* size);
  Result<hash::Digest> put_bytes(std::string_view data);
  // Writes the blob to `dest_path` atomically (temporary in dest's directory + rename) with
  // permissions `mode`, verifying the content on the way. The new file has a current mtime.
  // REQUIRES: dest_path does not exist or is a regular file (the caller checks).
  // Errors: kNotFound when the blob is absent; kCorrupt when its content does not match its name
  // (the blob is then removed and dest_path is left untouched).
  Status deliver(const hash::Digest& blob, const std::string& dest_path, mode_t mode);
  // The blob's content, verified (kNotFound / kCorrupt as for deliver).
  Result<std::string> read(const hash::Digest& blob);
  bool contains(const hash::Digest& blob) const;
  void remove(const hash::Digest& blob);
  // Deletes every blob (and stray temporaries).
  Status clear();
  // Bytes allocated on disk (sum of st_blocks * 512, not st_size) by the blobs and temporaries.
  uint64_t size_bytes() const;

  std::string path_of(const hash::Digest& blob) const;

 private:
  Status ensure_shard(const hash::Digest& blob) const;
  // Removes `blob` and returns the kCorrupt error naming it.
  Status corrupt(const hash::Digest& blob, const hash::Digest& actual);

  std::string root_;  // <cache dir>/artifacts, without a trailing slash
};

}  // namespace zccache::store
