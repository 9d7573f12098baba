#include "zccache/hash/hasher.h"

#include <gtest/gtest.h>

namespace zccache::hash {

TEST(Hasher, DelimitersSeparateParts) {
  Hasher a, b;
  a.add("ab").add("c");
  b.add("a").add("bc");
  EXPECT_NE(a.finish(), b.finish());
}

TEST(Hasher, SameInputSameDigest) {
  Hasher a, b;
  a.add("x").add_u64(7);
  b.add("x").add_u64(7);
  EXPECT_EQ(a.finish(), b.finish());
}

TEST(Digest, HexRoundTrip) {
  Digest d = hash_bytes("hello");
  std::string hex = d.hex();
  EXPECT_EQ(hex.size(), 32u);
  auto back = Digest::from_hex(hex);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, d);
  EXPECT_FALSE(Digest::from_hex("zz").has_value());
  EXPECT_FALSE(Digest::from_hex(std::string(32, 'g')).has_value());
}


}  // namespace zccache::hash
