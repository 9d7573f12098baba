#include "zccache/watcher/generation_snapshot.h"

#include <algorithm>

namespace zccache::watcher {

std::optional<GenerationSnapshot> GenerationSnapshot::take(Watcher& watcher, const std::vector<std::string>& dirs) {
  GenerationSnapshot snapshot;
  // The epoch first: a drain that is renewing cells while we read them moves it afterwards.
  snapshot.epoch_ = watcher.epoch_cell();
  if (snapshot.epoch_) snapshot.epoch_value_ = snapshot.epoch_->load(std::memory_order_acquire);
  snapshot.cells_.reserve(dirs.size());
  for (const std::string& dir : dirs) {
    Watcher::GenerationCell cell = watcher.generation_cell(dir);
    if (!cell) return std::nullopt;
    uint64_t value = cell->load(std::memory_order_acquire);
    snapshot.cells_.emplace_back(std::move(cell), value);
  }
  return snapshot;
}

bool GenerationSnapshot::unchanged() const {
  // Every renewal before the epoch value we read was visible to take(); none came after.
  if (epoch_ && epoch_->load(std::memory_order_acquire) == epoch_value_) return true;
  return std::all_of(cells_.begin(), cells_.end(),
                     [](const auto& c) { return c.first->load(std::memory_order_acquire) == c.second; });
}

}  // namespace zccache::watcher
