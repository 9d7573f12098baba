// GenerationSnapshot: the watch generations of a set of directories at one instant, re-checked
// later with one atomic load (the watcher's epoch, when nothing was renewed anywhere since), else
// one per directory: no path hashing and no lock.
//
// Use: take() a snapshot, THEN verify whatever depends on those directories (file digests,
// listings). While unchanged() holds after a drain(), no event reached any of them since the
// snapshot, so every fact the verification established through watched cache entries still holds
// (watcher.h): the same argument that lets MetadataCache skip a stat, made once for a whole set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zccache/watcher/watcher.h"

namespace zccache::watcher {

class GenerationSnapshot {
 public:
  // nullopt when any of `dirs` is not watched reliably.
  static std::optional<GenerationSnapshot> take(Watcher& watcher, const std::vector<std::string>& dirs);
  // True while no directory of the snapshot got a new generation.
  bool unchanged() const;
  size_t size() const { return cells_.size(); }

 private:
  Watcher::EpochCell epoch_;  // the watcher's, or nullptr
  uint64_t epoch_value_ = 0;  // read before the cells
  std::vector<std::pair<Watcher::GenerationCell, uint64_t>> cells_;
};

}  // namespace zccache::watcher
