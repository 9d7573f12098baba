#include "zccache/store/manifest.h"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <utility>

#include "zccache/hash/hasher.h"
#include "zccache/store/byte_codec.h"

namespace zccache::store {
namespace {

// Smallest encodings, used to reject impossible counts before looping (see ByteReader::count).
constexpr size_t kMinFileBytes = 4 + 16;          // empty path + digest
constexpr size_t kMinDirBytes = 4 + 1 + 8 + 4 + 4;  // empty path + exists + mtime + two counts or list numbers
constexpr size_t kMinNameBytes = 4;                // empty string
constexpr size_t kMinListBytes = 4 + kMinNameBytes;  // a list holds one name at least
constexpr size_t kMinEnvBytes = 4 + 16;           // empty name + digest
constexpr uint32_t kFormatWithoutEnv = 2;
constexpr uint32_t kFormatWithoutListTable = 3;
constexpr size_t kMinEntryBytes = 16 + 4 + 4 + 4 + 4;  // result key + four zero counts (format 4)

size_t hash_names(const NameList& names) {
  size_t h = names.size();
  for (const auto& n : names) h = h * 1000003 ^ std::hash<std::string>{}(n);
  return h;
}

// The distinct non-empty name lists of one include set, numbered from 1 in the order they are
// first met; 0 stands for the empty list. Equal lists get one number whether or not they share
// their storage. The manifest's list table is written and checked in this numbering, and
// share_equal_lists() shares by it. Holds pointers to the lists it numbered (they must stay put)
// and remembers the storage of those only, so a list that drops its own storage for another's
// cannot be mistaken for a later one.
class ListTable {
 public:
  uint32_t number(const NameList& names) {
    if (names.empty()) return 0;
    if (auto it = by_storage_.find(names.storage()); it != by_storage_.end()) return it->second;
    std::vector<uint32_t>& same_hash = by_hash_[hash_names(names)];
    for (uint32_t n : same_hash) {
      if (*lists_[n - 1] == names) return n;
    }
    lists_.push_back(&names);
    const uint32_t n = static_cast<uint32_t>(lists_.size());
    same_hash.push_back(n);
    by_storage_[names.storage()] = n;
    return n;
  }
  const NameList& list(uint32_t number) const { return *lists_[number - 1]; }
  const std::vector<const NameList*>& lists() const { return lists_; }

 private:
  std::vector<const NameList*> lists_;
  std::unordered_map<const void*, uint32_t> by_storage_;
  std::unordered_map<size_t, std::vector<uint32_t>> by_hash_;
};

}  // namespace

std::string encode_manifest(const Manifest& manifest) {
  ByteWriter w;
  w.u32(kManifestFormat);
  w.u32(static_cast<uint32_t>(manifest.entries.size()));
  for (const IncludeSet& e : manifest.entries) {
    w.digest(e.result_key);
    w.u32(static_cast<uint32_t>(e.files.size()));
    for (const FileDigest& f : e.files) {
      w.str(f.path);
      w.digest(f.digest);
    }
    ListTable table;
    std::vector<std::pair<uint32_t, uint32_t>> numbers;  // per dir: absent, present
    numbers.reserve(e.dirs.size());
    for (const DirState& d : e.dirs) {
      uint32_t absent = table.number(d.absent);
      numbers.emplace_back(absent, table.number(d.present));
    }
    w.u32(static_cast<uint32_t>(table.lists().size()));
    for (const NameList* names : table.lists()) {
      w.u32(static_cast<uint32_t>(names->size()));
      for (const auto& n : *names) w.str(n);
    }
    w.u32(static_cast<uint32_t>(e.dirs.size()));
    for (size_t i = 0; i < e.dirs.size(); ++i) {
      const DirState& d = e.dirs[i];
      w.str(d.path);
      w.u8(d.exists ? 1 : 0);
      w.i64(d.mtime_ns);
      w.u32(numbers[i].first);
      w.u32(numbers[i].second);
    }
    w.u32(static_cast<uint32_t>(e.env.size()));
    for (const EnvDigest& v : e.env) {
      w.str(v.name);
      w.digest(v.digest);
    }
  }
  return std::move(w).take();
}

std::optional<Manifest> decode_manifest(std::string_view bytes) {
  ByteReader r(bytes);
  uint32_t format = r.u32();
  if ((format != kManifestFormat && format != kFormatWithoutListTable && format != kFormatWithoutEnv) || !r.ok()) {
    return std::nullopt;
  }
  const bool list_table = format == kManifestFormat;
  Manifest m;
  uint32_t entries = r.count(kMinEntryBytes - (list_table ? 0 : 4 + (format == kFormatWithoutEnv ? 4 : 0)));
  m.entries.reserve(entries);
  for (uint32_t i = 0; i < entries && r.ok(); ++i) {
    IncludeSet& e = m.entries.emplace_back();
    e.result_key = r.digest();
    uint32_t files = r.count(kMinFileBytes);
    e.files.reserve(files);
    for (uint32_t j = 0; j < files && r.ok(); ++j) {
      FileDigest& f = e.files.emplace_back();
      f.path = r.str();
      f.digest = r.digest();
    }
    std::vector<NameList> lists;
    if (list_table) {
      uint32_t n_lists = r.count(kMinListBytes);
      lists.reserve(n_lists);  // ListTable holds pointers into it
      ListTable table;
      for (uint32_t j = 0; j < n_lists && r.ok(); ++j) {
        uint32_t n = r.count(kMinNameBytes);
        if (n == 0) return std::nullopt;  // the empty list has no number of its own
        std::vector<std::string> names;
        names.reserve(n);
        for (uint32_t k = 0; k < n && r.ok(); ++k) names.push_back(r.str());
        lists.emplace_back(std::move(names));
        // Listed twice: not how a manifest is written.
        if (table.number(lists.back()) != lists.size()) return std::nullopt;
      }
    }
    uint32_t dirs = r.count(kMinDirBytes);
    e.dirs.reserve(dirs);
    uint32_t next_new = 1;  // lists are numbered in order of first use
    for (uint32_t j = 0; j < dirs && r.ok(); ++j) {
      DirState& d = e.dirs.emplace_back();
      d.path = r.str();
      d.exists = r.boolean();
      d.mtime_ns = r.i64();
      for (NameList* names : {&d.absent, &d.present}) {
        if (list_table) {
          uint32_t number = r.u32();
          if (!r.ok()) break;
          if (number == 0) continue;
          if (number > next_new || number > lists.size()) return std::nullopt;
          if (number == next_new) ++next_new;
          *names = lists[number - 1];
          continue;
        }
        uint32_t n = r.count(kMinNameBytes);
        if (n == 0) continue;
        std::vector<std::string>& list = names->edit();
        list.reserve(n);
        for (uint32_t k = 0; k < n && r.ok(); ++k) list.push_back(r.str());
      }
    }
    if (list_table && r.ok() && next_new - 1 != lists.size()) return std::nullopt;  // a list no directory uses
    if (format == kFormatWithoutEnv) continue;
    uint32_t env = r.count(kMinEnvBytes);
    e.env.reserve(env);
    for (uint32_t j = 0; j < env && r.ok(); ++j) {
      EnvDigest& v = e.env.emplace_back();
      v.name = r.str();
      v.digest = r.digest();
    }
  }
  if (!r.done()) return std::nullopt;
  return m;
}

void share_equal_lists(IncludeSet& set) {
  ListTable table;
  for (DirState& d : set.dirs) {
    for (NameList* names : {&d.absent, &d.present}) {
      if (uint32_t n = table.number(*names); n != 0) names->share(table.list(n));
    }
  }
}

hash::Digest env_value_digest(const char* value) {
  hash::Hasher h;
  if (value) {
    h.add("set").add(value);
  } else {
    h.add("unset");
  }
  return h.finish();
}

void add_include_set(Manifest& manifest, IncludeSet entry) {
  auto& entries = manifest.entries;
  std::erase_if(entries, [&](const IncludeSet& e) { return e.result_key == entry.result_key; });
  entries.insert(entries.begin(), std::move(entry));
  if (entries.size() > kMaxIncludeSets) entries.resize(kMaxIncludeSets);
}

}  // namespace zccache::store
