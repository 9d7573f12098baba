#include "zccache/fscache/metadata_cache.h"

#include <fcntl.h>

#include <cstring>
#include <limits>
#include <vector>

#include "zccache/base/posix_error.h"
#include "zccache/base/unique_fd.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/path.h"

namespace zccache::fscache {
namespace {

// The digest of a file's content, read in pieces (a toolchain library is hundreds of MB).
Result<hash::Digest> hash_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return posix_error("open", path);
  std::vector<char> buf(1 << 18);
  return hash::hash_stream(fd.get(), path, buf);
}

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

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Whether __DATE__, __TIME__ or __TIMESTAMP__ appears as an identifier in code: not inside a
// comment or a string or character literal (a header that only mentions one in a comment cannot
// change the object). Conservative where the text is unusual: a literal or // comment ends at its
// line's end, a backslash-newline continues it, and anything not understood counts as code. A
// file with a raw string literal (whose text may hold quotes) or a trigraph (? ?/ is a backslash)
// counts as using them, as every file that names them did before.
bool time_macro_in_code(std::string_view t) {
  if (contains(t, "?" "?/")) return true;  // spelled apart: no trigraph here
  const size_t n = t.size();
  size_t i = 0;
  auto continued_line = [&](size_t nl) {  // the newline at nl ends a line that ends in a backslash
    size_t k = nl;
    if (k > 0 && t[k - 1] == '\r') --k;
    return k > 0 && t[k - 1] == '\\';
  };
  while (i < n) {
    char c = t[i];
    if (c == '/' && i + 1 < n && t[i + 1] == '/') {
      size_t nl = i;
      while ((nl = t.find('\n', nl + 1)) != std::string_view::npos && continued_line(nl)) {
      }
      if (nl == std::string_view::npos) return false;
      i = nl + 1;
    } else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
      size_t end = t.find("*/", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 2;
    } else if (c == '"' && i > 0 && t[i - 1] == 'R') {
      return true;  // R"delim(...)delim", or an identifier ending in R right before a string
    } else if (c == '"' || c == '\'') {
      // A literal (prefixes such as L or u8 were consumed as an identifier): up to the closing
      // quote, past escapes, ending at a line end that is not continued.
      size_t k = i + 1;
      while (k < n && t[k] != c) {
        if (t[k] == '\\' && k + 1 < n) {
          k += 2;
          continue;
        }
        if (t[k] == '\n') break;
        ++k;
      }
      i = k + 1;
    } else if (c >= '0' && c <= '9') {
      // A pp-number, with C++14 digit separators (1'000) and exponent signs (1e+5).
      size_t k = i + 1;
      while (k < n) {
        char d = t[k];
        if ((d == '+' || d == '-') && (t[k - 1] == 'e' || t[k - 1] == 'E' || t[k - 1] == 'p' || t[k - 1] == 'P')) {
          ++k;
        } else if (d == '\'' && k + 1 < n && identifier_char(t[k + 1])) {
          k += 2;
        } else if (identifier_char(d) || d == '.') {
          ++k;
        } else {
          break;
        }
      }
      i = k;
    } else if (identifier_char(c)) {
      size_t k = i;
      while (k < n && identifier_char(t[k])) ++k;
      std::string_view word = t.substr(i, k - i);
      if (word == "__DATE__" || word == "__TIME__" || word == "__TIMESTAMP__") return true;
      i = k;
    } else {
      ++i;
    }
  }
  return false;
}

}  // namespace

FileFacts scan_content(std::string_view content) {
  FileFacts facts;
  facts.digest = hash::hash_bytes(content);
  facts.uses_time_macros =
      (contains(content, "__DATE__") || contains(content, "__TIME__") || contains(content, "__TIMESTAMP__")) &&
      time_macro_in_code(content);
  if (contains(content, "__has_include")) collect_has_include(content, facts.has_include_names);
  return facts;
}

Result<FileFacts> MetadataCache::facts(const std::string& path) {
  auto found = lookup(path, std::numeric_limits<uint64_t>::max());
  if (!found.ok()) return found.error();
  return std::move(*found->facts);
}

Result<hash::Digest> MetadataCache::digest(const std::string& path) {
  auto found = find(path, std::numeric_limits<uint64_t>::max(), /*scan=*/false);
  if (!found.ok()) return found.error();
  return found->facts->digest;
}

Result<MetadataCache::Lookup> MetadataCache::lookup(const std::string& path, std::optional<uint64_t> max_read_bytes) {
  return find(path, max_read_bytes, /*scan=*/true);
}

Result<MetadataCache::Lookup> MetadataCache::find(const std::string& path, std::optional<uint64_t> max_read_bytes,
                                                  bool scan) {
  std::string dir(os::dirname_of(path));
  if (watcher_) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    // No event in the directory since before we looked: no stat needed.
    if (it != entries_.end() && (it->second.scanned || !scan) && it->second.generation &&
        watcher_->generation(dir) == it->second.generation)
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
    if (it != entries_.end() && (it->second.scanned || !scan) && it->second.signature_proves &&
        it->second.info == *info) {
      it->second.generation = watchable ? generation : std::nullopt;
      return Lookup{*info, it->second.facts, watchable};
    }
  }
  if (!max_read_bytes || info->size > *max_read_bytes) return Lookup{*info, std::nullopt, false};
  // Hash outside the lock: other lookups proceed meanwhile.
  FileFacts facts;
  if (scan) {
    auto content = os::read_file(path);
    if (!content.ok()) return content.error();
    facts = scan_content(*content);
  } else {
    auto digest = hash_file(path);
    if (!digest.ok()) return digest.error();
    facts.digest = *digest;
  }
  // The signature must still be the one we read under; otherwise the content we hashed may be a
  // mix of two versions.
  auto after = os::stat_path(path);
  if (!after.ok()) return after.error();
  if (!(*after == *info)) return make_error(ErrorCode::kIo, "file changed while hashing: " + path);
  int64_t now = os::now_realtime_ns();
  bool proves = now - std::max(info->mtime_ns, info->ctime_ns) >= kRacyWindowNs;
  std::lock_guard lock(mutex_);
  hashed_bytes_ += info->size;
  if (proves || watchable) {
    entries_[path] = Entry{*info, facts, scan, proves, watchable ? generation : std::nullopt};
  } else {
    entries_.erase(path);
  }
  return Lookup{*info, std::move(facts), watchable};
}

std::optional<std::pair<os::FileInfo, hash::Digest>> MetadataCache::proven_digest(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(path);
  if (it == entries_.end() || !it->second.signature_proves) return std::nullopt;
  return std::pair{it->second.info, it->second.facts.digest};
}

void MetadataCache::adopt_digest(const std::string& path, const os::FileInfo& info, const hash::Digest& digest) {
  FileFacts facts;
  facts.digest = digest;
  std::lock_guard lock(mutex_);
  // No generation: the first lookup stats the file, and only the same signature proves it.
  entries_.try_emplace(path, Entry{info, std::move(facts), /*scanned=*/false, /*signature_proves=*/true, std::nullopt});
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
