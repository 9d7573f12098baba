#include "zccache/fscache/metadata_cache.h"

#include <cstring>
#include <limits>

#include "zccache/hash/hasher.h"
#include "zccache/os/path.h"

namespace zccache::fscache {
namespace {

bool contains(std::string_view text, std::string_view needle) {
  return ::memmem(text.data(), text.size(), needle.data(), needle.size()) != nullptr;
}

// Extracts the literal argument of each __has_include / __has_include_next probe. A macro argument
// (no < or " after the parenthesis) cannot be known here and is skipped: the watcher issue covers
// it with directory events.
void collect_has_include(std::string_view text, std::vector<std::string>& out) {
  constexpr std::string_view kProbe = "__has_include";
  size_t pos = 0;
  while ((pos = text.find(kProbe, pos)) != std::string_view::npos) {
    pos += kProbe.size();
    if (text.substr(pos, 5) == "_next") pos += 5;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    if (pos >= text.size() || text[pos] != '(') continue;
    ++pos;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    if (pos >= text.size()) break;
    char close = text[pos] == '<' ? '>' : text[pos] == '"' ? '"' : 0;
    if (close == 0) continue;
    const char stops[] = {close, '\n', 0};
    size_t end = text.find_first_of(stops, pos + 1);
    if (end == std::string_view::npos || text[end] != close) continue;
    out.emplace_back(text.substr(pos + 1, end - pos - 1));
    pos = end;
  }
}

}  // namespace

FileFacts scan_content(std::string_view content) {
  FileFacts facts;
  facts.digest = hash::hash_bytes(content);
  facts.uses_time_macros =
      contains(content, "__DATE__") || contains(content, "__TIME__") || contains(content, "__TIMESTAMP__");
  if (contains(content, "__has_include")) collect_has_include(content, facts.has_include_names);
  return facts;
}

Result<FileFacts> MetadataCache::facts(const std::string& path) {
  auto found = lookup(path, std::numeric_limits<uint64_t>::max());
  if (!found.ok()) return found.error();
  return std::move(*found->facts);
}

Result<MetadataCache::Lookup> MetadataCache::lookup(const std::string& path, std::optional<uint64_t> max_read_bytes) {
  std::string dir(os::dirname_of(path));
  if (watcher_) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    // No event in the directory since before we looked: no stat needed.
    if (it != entries_.end() && it->second.generation && watcher_->generation(dir) == it->second.generation)
      return Lookup{it->second.info, it->second.facts, true};
  }
  // Watch before the stat: a change after this point renews the generation we record.
  std::optional<uint64_t> generation = watcher_ ? watcher_->watch(dir) : std::nullopt;
  auto info = os::stat_path(path);
  if (!info.ok()) return info.error();
  if (!info->is_regular()) return make_error(ErrorCode::kIo, "not a regular file: " + path);
  bool watchable = generation.has_value() && info->nlink <= 1;
  if (watchable) {
    auto link = os::lstat_path(path);
    watchable = link.ok() && link->is_regular();  // a symlink's target changes elsewhere
  }
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    if (it != entries_.end() && it->second.signature_proves && it->second.info == *info) {
      it->second.generation = watchable ? generation : std::nullopt;
      return Lookup{*info, it->second.facts, watchable};
    }
  }
  if (!max_read_bytes || info->size > *max_read_bytes) return Lookup{*info, std::nullopt, false};
  // Hash outside the lock: other lookups proceed meanwhile.
  auto content = os::read_file(path);
  if (!content.ok()) return content.error();
  FileFacts facts = scan_content(*content);
  // The signature must still be the one we read under; otherwise the content we hashed may be a
  // mix of two versions.
  auto after = os::stat_path(path);
  if (!after.ok()) return after.error();
  if (!(*after == *info)) return make_error(ErrorCode::kIo, "file changed while hashing: " + path);
  int64_t now = os::now_realtime_ns();
  bool proves = now - std::max(info->mtime_ns, info->ctime_ns) >= kRacyWindowNs;
  std::lock_guard lock(mutex_);
  hashed_bytes_ += content->size();
  if (proves || watchable) {
    entries_[path] = Entry{*info, facts, proves, watchable ? generation : std::nullopt};
  } else {
    entries_.erase(path);
  }
  return Lookup{*info, std::move(facts), watchable};
}

void MetadataCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

size_t MetadataCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

uint64_t MetadataCache::hashed_bytes_for_testing() const {
  std::lock_guard lock(mutex_);
  return hashed_bytes_;
}

}  // namespace zccache::fscache
