#include "zccache/hash/hasher.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

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

TEST(Hasher, AStreamReadInSmallPiecesHashesLikeTheWholeContent) {
  char name[] = "/tmp/zccache_hash_stream_XXXXXX";
  int fd = ::mkstemp(name);
  ASSERT_GE(fd, 0);
  std::string content;
  for (int i = 0; i < 5000; ++i) content += std::to_string(i) + ",";
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  std::vector<char> buf(1000);  // many pieces, the last one short
  auto d = hash_stream(fd, name, buf);
  ::close(fd);
  std::remove(name);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, hash_bytes(content));
  std::vector<char> small(16);
  EXPECT_FALSE(hash_stream(-1, "nowhere", small).ok());
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
