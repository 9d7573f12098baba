#include "zccache/store/manifest.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::store {
namespace {

IncludeSet make_set(const std::string& name, int files = 2, int dirs = 1) {
  IncludeSet set;
  set.result_key = hash::hash_bytes("result " + name);
  for (int i = 0; i < files; ++i) {
    std::string path = name + "/header" + std::to_string(i) + ".h";
    set.files.push_back({path, hash::hash_bytes(path)});
  }
  for (int i = 0; i < dirs; ++i) {
    set.dirs.push_back({name + "/include" + std::to_string(i), i % 2 == 0, -1234567890123 + i, {"x.h", "sys/y.h"}, {"z.h"}});
  }
  return set;
}

Manifest sample() {
  Manifest m;
  m.entries.push_back(make_set("a", 3, 2));
  m.entries.push_back(make_set("b", 0, 0));
  m.entries.push_back(make_set("c", 1, 3));
  m.entries[0].files[0].path = "";  // empty strings survive too
  m.entries[2].files[0].path = std::string("with\0nul", 8);
  m.entries[2].env = {{"CARGO_PKG_NAME", env_value_digest("p")}, {"UNSET", env_value_digest(nullptr)}};
  return m;
}

TEST(Manifest, RoundTrips) {
  Manifest m = sample();
  auto decoded = decode_manifest(encode_manifest(m));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entries, m.entries);
}

TEST(Manifest, EmptyManifestRoundTrips) {
  std::string bytes = encode_manifest(Manifest{});
  EXPECT_EQ(bytes.size(), 8u);
  auto decoded = decode_manifest(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->entries.empty());
}

TEST(Manifest, EncodingIsLittleEndianAsDocumented) {
  Manifest m;
  m.entries.push_back(make_set("x", 1, 0));
  std::string bytes = encode_manifest(m);
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\4\0\0\0\1\0\0\0", 8));
  EXPECT_EQ(bytes.substr(8, 16), m.entries[0].result_key.raw());
  EXPECT_EQ(bytes.size(), 4 + 4 + 16 + 4 + (4 + m.entries[0].files[0].path.size() + 16) + 4 + 4 + 4);
}

// Format 3 as the daemons before the list table wrote it: each directory spells its names out.
std::string encode_format_3(const Manifest& m, bool with_env = true) {
  std::string out;
  auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff); };
  auto str = [&](const std::string& s) { u32(static_cast<uint32_t>(s.size())); out += s; };
  u32(with_env ? 3 : 2);
  u32(static_cast<uint32_t>(m.entries.size()));
  for (const IncludeSet& e : m.entries) {
    out += e.result_key.raw();
    u32(static_cast<uint32_t>(e.files.size()));
    for (const auto& f : e.files) { str(f.path); out += f.digest.raw(); }
    u32(static_cast<uint32_t>(e.dirs.size()));
    for (const auto& d : e.dirs) {
      str(d.path);
      out += static_cast<char>(d.exists ? 1 : 0);
      for (int i = 0; i < 8; ++i) out += static_cast<char>((static_cast<uint64_t>(d.mtime_ns) >> (8 * i)) & 0xff);
      for (const NameList* names : {&d.absent, &d.present}) {
        u32(static_cast<uint32_t>(names->size()));
        for (const auto& n : *names) str(n);
      }
    }
    if (!with_env) continue;
    u32(static_cast<uint32_t>(e.env.size()));
    for (const auto& v : e.env) { str(v.name); out += v.digest.raw(); }
  }
  return out;
}

TEST(Manifest, FormatsThreeAndTwoAreStillRead) {
  Manifest m = sample();
  auto decoded = decode_manifest(encode_format_3(m));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entries, m.entries);
  for (auto& e : m.entries) e.env.clear();  // format 2 had no env list
  decoded = decode_manifest(encode_format_3(m, /*with_env=*/false));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entries, m.entries);
}

TEST(Manifest, EqualListsAreWrittenOnceAndReadBackShared) {
  Manifest m;
  IncludeSet set;
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) many.push_back("bits/header_" + std::to_string(i) + ".h");
  for (int d = 0; d < 25; ++d) set.dirs.push_back({"inc/d" + std::to_string(d), false, 0, NameList(many), {}});
  m.entries.push_back(set);  // 25 equal lists, none shared
  std::string bytes = encode_manifest(m);
  EXPECT_LT(bytes.size(), encode_format_3(m).size() / 10) << "the 200 names once, not 25 times";
  auto decoded = decode_manifest(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entries, m.entries);
  EXPECT_EQ(decoded->entries[0].dirs[0].absent.storage(), decoded->entries[0].dirs[24].absent.storage());
}

TEST(Manifest, AListTableOutOfOrderUnusedOrRepeatedIsRejected) {
  Manifest m;
  IncludeSet set;
  set.dirs.push_back({"a", false, 0, {"x.h"}, {}});
  set.dirs.push_back({"b", true, 0, {"y.h"}, {"x.h"}});
  m.entries.push_back(set);
  const std::string bytes = encode_manifest(m);
  ASSERT_TRUE(decode_manifest(bytes).has_value());
  // Entry: format, count, key, 0 files, 2 lists ("x.h", "y.h"), 2 dirs.
  const size_t lists_at = 4 + 4 + 16 + 4;
  const size_t dirs_at = lists_at + 4 + 2 * (4 + 4 + 3);
  const size_t a_refs = dirs_at + 4 + (4 + 1) + 1 + 8;     // dir "a": absent, present
  const size_t b_refs = a_refs + 8 + (4 + 1) + 1 + 8;      // dir "b"
  auto with_u32 = [&](size_t at, uint32_t v) {
    std::string b = bytes;
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return b;
  };
  EXPECT_EQ(with_u32(a_refs, 1), bytes);                       // the offsets are right
  EXPECT_FALSE(decode_manifest(with_u32(a_refs, 2)).has_value());  // used before list 1
  EXPECT_FALSE(decode_manifest(with_u32(a_refs, 3)).has_value());  // no such list
  EXPECT_FALSE(decode_manifest(with_u32(b_refs, 1)).has_value());  // list 2 never used
  // The same names listed twice.
  std::string twice = bytes;
  twice.replace(lists_at + 4 + (4 + 4 + 3) + 4 + 4, 3, "x.h");
  EXPECT_FALSE(decode_manifest(twice).has_value());
  // An empty list in the table.
  std::string empty = bytes;
  empty.replace(lists_at + 4, 4, std::string(4, '\0'));
  EXPECT_FALSE(decode_manifest(empty).has_value());
}

TEST(Manifest, EnvDigestsTellUnsetFromEmpty) {
  EXPECT_NE(env_value_digest(nullptr), env_value_digest(""));
  EXPECT_NE(env_value_digest("a"), env_value_digest("b"));
  EXPECT_EQ(env_value_digest("a"), env_value_digest("a"));
}

TEST(Manifest, EveryTruncationIsRejected) {
  std::string bytes = encode_manifest(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_manifest(std::string_view(bytes).substr(0, n)).has_value()) << "length " << n;
  }
}

TEST(Manifest, TrailingBytesAreRejected) {
  std::string bytes = encode_manifest(sample()) + '\0';
  EXPECT_FALSE(decode_manifest(bytes).has_value());
}

TEST(Manifest, OtherFormatVersionIsRejected) {
  std::string bytes = encode_manifest(sample());
  bytes[0] = static_cast<char>(kManifestFormat + 1);
  EXPECT_FALSE(decode_manifest(bytes).has_value());
}

TEST(Manifest, HugeCountsAreRejectedWithoutAllocating) {
  std::string bytes = encode_manifest(Manifest{});
  bytes.replace(4, 4, "\xff\xff\xff\xff", 4);
  EXPECT_FALSE(decode_manifest(bytes).has_value());

  Manifest m;
  m.entries.push_back(make_set("x", 1, 1));
  bytes = encode_manifest(m);
  bytes.replace(8 + 16, 4, "\xff\xff\xff\x7f", 4);  // file count
  EXPECT_FALSE(decode_manifest(bytes).has_value());
}

TEST(Manifest, BooleanOtherThanZeroOrOneIsRejected) {
  Manifest m;
  m.entries.push_back(make_set("x", 0, 1));
  std::string bytes = encode_manifest(m);
  size_t lists = 4 + (4 + (4 + 3) + (4 + 7)) + (4 + (4 + 3));  // {"x.h", "sys/y.h"}, {"z.h"}
  size_t exists_at = 8 + 16 + 4 + lists + 4 + 4 + m.entries[0].dirs[0].path.size();
  ASSERT_LT(exists_at, bytes.size());
  bytes[exists_at] = 2;
  EXPECT_FALSE(decode_manifest(bytes).has_value());
}

TEST(Manifest, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  std::string valid = encode_manifest(sample());
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (auto m = decode_manifest(bytes)) {
      EXPECT_EQ(encode_manifest(*m), bytes);  // one spelling per value
    }
    std::string noise(rng() % 64, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    (void)decode_manifest(noise);
  }
}

TEST(Manifest, AddIncludeSetPutsNewestFirst) {
  Manifest m;
  add_include_set(m, make_set("a"));
  add_include_set(m, make_set("b"));
  add_include_set(m, make_set("c"));
  ASSERT_EQ(m.entries.size(), 3u);
  EXPECT_EQ(m.entries[0], make_set("c"));
  EXPECT_EQ(m.entries[1], make_set("b"));
  EXPECT_EQ(m.entries[2], make_set("a"));
}

TEST(Manifest, AddIncludeSetReplacesEntryWithSameResultKey) {
  Manifest m;
  add_include_set(m, make_set("a"));
  add_include_set(m, make_set("b"));
  IncludeSet newer_a = make_set("a", 5, 0);
  add_include_set(m, newer_a);
  ASSERT_EQ(m.entries.size(), 2u);
  EXPECT_EQ(m.entries[0], newer_a);
  EXPECT_EQ(m.entries[1], make_set("b"));
}

TEST(Manifest, AddIncludeSetDropsOldestPastCap) {
  Manifest m;
  for (size_t i = 0; i < kMaxIncludeSets + 5; ++i) add_include_set(m, make_set(std::to_string(i)));
  ASSERT_EQ(m.entries.size(), kMaxIncludeSets);
  EXPECT_EQ(m.entries.front(), make_set(std::to_string(kMaxIncludeSets + 4)));
  EXPECT_EQ(m.entries.back(), make_set("5"));  // 0..4 were dropped
}

}  // namespace
}  // namespace zccache::store
