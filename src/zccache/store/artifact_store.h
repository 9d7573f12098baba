// ArtifactStore: content-addressed blobs under <root>/<2 hex>/<30 hex>, where root is the
// constructor's argument (the daemon passes <cache dir>/artifacts) and the name is the XXH3-128 of
// the content. Writes are atomic (AtomicFile); reads verify the content against its name, so a
// corrupted or truncated blob is never served: it is removed and reported as kCorrupt.
// Temporaries of put_file live in <root> as ".put.tmp.XXXXXX"; those of put_bytes in the shard.
// Deliveries build the output under a temporary name in <root> too (".link.tmp.*",
// ".copy.tmp.XXXXXX") and rename it into place, so that a daemon killed mid-delivery leaves no
// file in the user's tree; only a copy to another filesystem needs a temporary beside the output.
//
// Delivery (DESIGN.md §4) takes the cheapest way that keeps the blob safe: a reflink (FICLONE, an
// independent copy-on-write file), else a hardlink when no other output links the blob (outputs
// sharing one inode would share the fresh mtime each delivery sets), else a copy. A hardlinked output shares its
// inode with the blob, so a user who appends to a.o writes into the cache. The store therefore
// remembers the stat signature (size, mtime, ctime) it last saw on each blob after verifying or
// touching it; any write moves mtime and ctime, so a blob whose signature differs is re-hashed
// before it is linked again, and dropped when its content no longer matches its name. Only ctime
// also moves when an output is unlinked: a blob that an inotify watch on its inode has seen no
// write to since its content was known (blob_watch.h) and whose size and mtime are unchanged is
// linked without the re-hash.
//
// Eviction (eviction.h) removes blobs while misses store new ones. A blob that no indexed result
// references may still be about to be: a miss puts its outputs first and records its result a
// moment later, and a put of bytes already stored keeps the existing blob. So every put pins its
// digest until unpin() (called once the result naming it is in the index), and
// remove_unless_pinned() refuses a pinned blob. A pin whose unpin never comes (the store was
// refused after the copy) protects the blob only for a grace period, after which it is an orphan.
// The pin check and the unlink happen under one lock, and a put pins before it looks for an
// existing blob, so either the put sees the blob gone and writes it again, or the eviction sees
// the pin.
//
// Thread-safe: every method works on its own files (two writers of one blob write the same
// bytes); the signature memo, the pins and the size estimate are guarded by a mutex or atomic.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "zccache/base/result.h"
#include "zccache/hash/digest.h"
#include "zccache/os/file_info.h"
#include "zccache/store/blob_watch.h"

namespace zccache::store {

enum class DeliveryMode : uint8_t { kReflinkOrLinkOrCopy, kCopy };

class ArtifactStore {
 public:
  explicit ArtifactStore(std::string root, DeliveryMode mode = DeliveryMode::kReflinkOrLinkOrCopy);

  // Copies the content of `src_path` into the store; returns its digest and sets *size (when not
  // null) to the bytes stored. The digest is of the bytes actually copied. Creates root if missing.
  Result<hash::Digest> put_file(const std::string& src_path, uint64_t* size);
  Result<hash::Digest> put_bytes(std::string_view data);
  // Puts the blob at `dest_path` atomically (temporary in the root, or in dest's directory when
  // dest is on another filesystem, then rename) with
  // permissions `mode`, by reflink, hardlink or verified copy (see above). The file has a current
  // mtime.
  // REQUIRES: dest_path does not exist or is a regular file (the caller checks).
  // Errors: kNotFound when the blob is absent; kCorrupt when its content does not match its name
  // (the blob is then removed and dest_path is left untouched).
  Status deliver(const hash::Digest& blob, const std::string& dest_path, mode_t mode);
  // The blob's content, verified (kNotFound / kCorrupt as for deliver).
  Result<std::string> read(const hash::Digest& blob);
  bool contains(const hash::Digest& blob) const;
  void remove(const hash::Digest& blob);
  // Releases one put's pin (pins are counted: two misses may put the same bytes).
  void unpin(const hash::Digest& blob);
  // Removes the blob unless a pin taken at or after `pinned_since_ns` (CLOCK_REALTIME) is still
  // held. Returns the bytes it occupied on disk (0 when pinned or absent).
  uint64_t remove_unless_pinned(const hash::Digest& blob, int64_t pinned_since_ns);
  // Forgets pins last taken before `before_ns`.
  void prune_pins(int64_t before_ns);
  // Deletes every blob (and stray temporaries).
  Status clear();
  // Deletes the temporaries a killed process left (the daemon calls it at start, holding the
  // instance lock: no other writer is live). Blobs stay.
  Status remove_temporaries();
  // Bytes allocated on disk (sum of st_blocks * 512, not st_size) by the blobs and temporaries.
  uint64_t size_bytes() const;

  struct BlobInfo {
    hash::Digest digest;
    uint64_t bytes = 0;  // allocated on disk
  };
  // Every blob with its allocated bytes; also resets size_estimate() to their sum. A directory walk:
  // for the background thread, not a request.
  std::vector<BlobInfo> list_blobs();
  // The blobs' bytes on disk as of the last list_blobs(), plus puts, minus removals since: what
  // status and the eviction trigger read, at the cost of an atomic load. Two puts racing to
  // create the same blob may both count it; the next list_blobs() corrects that.
  uint64_t size_estimate() const { return estimate_bytes_.load(std::memory_order_relaxed); }

  std::string path_of(const hash::Digest& blob) const;
  // How many times a delivery re-hashed a blob before linking it (tests).
  uint64_t verifications() const { return verifications_.load(std::memory_order_relaxed); }

 private:
  Status ensure_shard(const hash::Digest& blob) const;
  // Removes `blob` and returns the kCorrupt error naming it.
  Status corrupt(const hash::Digest& blob, const hash::Digest& actual);

  // Hardlinks (or reflinks) the blob into place; kUnsupported-style failures come back as kIo so
  // that the caller copies instead.
  Status deliver_linked(const hash::Digest& blob, const std::string& dest_path, mode_t mode);
  Status deliver_copy(const hash::Digest& blob, const std::string& dest_path, mode_t mode);
  // True when the blob's current signature is one we saw right after verifying or touching it.
  bool signature_trusted(const hash::Digest& blob, const os::FileInfo& info);
  void trust_signature(const hash::Digest& blob, const std::string& blob_path);
  void trust_signature(const hash::Digest& blob, const Result<os::FileInfo>& info);  // the stat taken
  // True when the watch vouches that nothing wrote to the blob and its size and mtime are the
  // trusted signature's: its bytes are the ones verified, whatever ctime and the link count say.
  bool unwritten_since_trusted(const hash::Digest& blob, const os::FileInfo& info);
  // Starts watching a blob whose content is `known` (a stat taken while it was verified); the
  // watch counts only when a stat after it still matches, so no write slipped in between.
  void watch_known(const hash::Digest& blob, const std::string& blob_path, const os::FileInfo& known);
  void pin(const hash::Digest& blob);
  void add_estimate(const std::string& blob_path);

  std::string root_;  // <cache dir>/artifacts, without a trailing slash
  DeliveryMode delivery_;
  std::mutex mutex_;
  std::unordered_map<hash::Digest, os::FileInfo, hash::DigestHash> trusted_;  // GUARDED_BY(mutex_)
  struct Pin {
    int count = 0;
    int64_t last_ns = 0;  // the latest put
  };
  std::unordered_map<hash::Digest, Pin, hash::DigestHash> pinned_;  // GUARDED_BY(mutex_)
  std::atomic<uint64_t> estimate_bytes_{0};
  // Cleared when FICLONE says the store's file system cannot reflink (EOPNOTSUPP, EINVAL,
  // ENOTTY): the temporary is always in root_, so the answer holds for every later delivery and
  // a hit no longer pays two opens, the ioctl and an unlink to learn it again.
  std::atomic<bool> may_reflink_{true};
  std::unique_ptr<BlobWatch> watch_;  // null for a copying store, or without inotify
  std::atomic<uint64_t> verifications_{0};
};

}  // namespace zccache::store
