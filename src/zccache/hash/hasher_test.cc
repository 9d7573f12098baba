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

TEST(Hasher, GatheredAddsHashLikeTheirConcatenation) {
  // Keys are stored (manifests, results, the remote cache): buffering the adds must not move a
  // digest. XXH3 of the concatenation is what the unbuffered hasher computed.
  std::string expected;
  auto put_u64 = [&](uint64_t v) { expected.append(reinterpret_cast<const char*>(&v), sizeof v); };
  Hasher h;
  for (int i = 0; i < 400; ++i) {  // many small parts, crossing the buffer's end at odd places
    std::string part(static_cast<size_t>(i % 37), static_cast<char>('a' + i % 26));
    h.add(part);
    put_u64(part.size());
    expected += part;
    if (i % 50 == 0) {
      h.add_u64(static_cast<uint64_t>(i));
      put_u64(static_cast<uint64_t>(i));
    }
    if (i == 200) {  // a large raw piece in the middle goes straight through
      std::string big(5000, 'z');
      h.add_raw(big.data(), big.size());
      expected += big;
    }
  }
  h.add_raw(nullptr, 0);
  EXPECT_EQ(h.finish(), hash_bytes(expected));
  EXPECT_EQ(h.finish(), hash_bytes(expected)) << "finish() twice gives the same digest";
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
