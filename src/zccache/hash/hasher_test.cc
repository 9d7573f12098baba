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

TEST(Hasher, FileHashEqualsBytesHash) {
  char path[] = "/tmp/zccache_hash_testXXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string content(100000, 'q');
  ASSERT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  auto d = hash_file(path);
  unlink(path);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, hash_bytes(content));
  EXPECT_FALSE(hash_file("/nonexistent/zz").ok());
}

}  // namespace zccache::hash
