#include "zccache/watcher/generation_snapshot.h"

#include <algorithm>

namespace zccache::watcher {

std::optional<GenerationSnapshot> GenerationSnapshot::take(Watcher& watcher, const std::vector<std::string>& dirs) {
  GenerationSnapshot snapshot;
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
  return std::all_of(cells_.begin(), cells_.end(),
                     [](const auto& c) { return c.first->load(std::memory_order_acquire) == c.second; });
}

}  // namespace zccache::watcher
