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
  EXPECT_EQ(bytes.substr(0, 8), std::string("\3\0\0\0\1\0\0\0", 8));
  EXPECT_EQ(bytes.substr(8, 16), m.entries[0].result_key.raw());
  EXPECT_EQ(bytes.size(), 4 + 4 + 16 + 4 + (4 + m.entries[0].files[0].path.size() + 16) + 4 + 4);
}

TEST(Manifest, FormatTwoWithoutEnvIsStillRead) {
  Manifest m;
  m.entries.push_back(make_set("x", 1, 1));
  std::string bytes = encode_manifest(m);
  ASSERT_EQ(bytes.substr(bytes.size() - 4), std::string(4, '\0'));  // the empty env list
  bytes.resize(bytes.size() - 4);
  bytes[0] = 2;
  auto decoded = decode_manifest(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->entries, m.entries);
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
  size_t exists_at = 8 + 16 + 4 + 4 + 4 + m.entries[0].dirs[0].path.size();
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
