#include "zccache/store/manifest.h"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "zccache/hash/hasher.h"
#include "zccache/store/byte_codec.h"

namespace zccache::store {
namespace {

// Smallest encodings, used to reject impossible counts before looping (see ByteReader::count).
constexpr size_t kMinFileBytes = 4 + 16;          // empty path + digest
constexpr size_t kMinDirBytes = 4 + 1 + 8 + 4 + 4;  // empty path + exists + mtime + two zero counts
constexpr size_t kMinNameBytes = 4;                // empty string
constexpr size_t kMinEnvBytes = 4 + 16;           // empty name + digest
constexpr uint32_t kFormatWithoutEnv = 2;
constexpr size_t kMinEntryBytes = 16 + 4 + 4;     // result key + two zero counts

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
    w.u32(static_cast<uint32_t>(e.dirs.size()));
    for (const DirState& d : e.dirs) {
      w.str(d.path);
      w.u8(d.exists ? 1 : 0);
      w.i64(d.mtime_ns);
      for (const auto* names : {&d.absent, &d.present}) {
        w.u32(static_cast<uint32_t>(names->size()));
        for (const auto& n : *names) w.str(n);
      }
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
  if ((format != kManifestFormat && format != kFormatWithoutEnv) || !r.ok()) return std::nullopt;
  Manifest m;
  uint32_t entries = r.count(kMinEntryBytes);
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
    uint32_t dirs = r.count(kMinDirBytes);
    e.dirs.reserve(dirs);
    for (uint32_t j = 0; j < dirs && r.ok(); ++j) {
      DirState& d = e.dirs.emplace_back();
      d.path = r.str();
      d.exists = r.boolean();
      d.mtime_ns = r.i64();
      for (auto* names : {&d.absent, &d.present}) {
        uint32_t n = r.count(kMinNameBytes);
        if (n == 0) continue;
        std::vector<std::string>& list = names->edit();
        list.reserve(n);
        for (uint32_t k = 0; k < n && r.ok(); ++k) list.push_back(r.str());
      }
    }
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
  std::unordered_map<size_t, std::vector<const NameList*>> seen;  // by a hash of the names
  std::unordered_set<const void*> kept;                            // the storage of those lists
  for (DirState& d : set.dirs) {
    for (NameList* names : {&d.absent, &d.present}) {
      if (names->empty() || kept.count(names->storage())) continue;  // shared already
      size_t h = names->size();
      for (const auto& n : *names) h = h * 1000003 ^ std::hash<std::string>{}(n);
      std::vector<const NameList*>& same_hash = seen[h];
      auto equal = std::find_if(same_hash.begin(), same_hash.end(),
                                [&](const NameList* other) { return *other == *names; });
      if (equal != same_hash.end()) {
        names->share(**equal);
      } else {
        same_hash.push_back(names);
        kept.insert(names->storage());
      }
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
