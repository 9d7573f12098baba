#include "zccache/fp/fp_state.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::fp {
namespace {

FpState sample() {
  FpState s;
  s.root = "/project";
  s.files.push_back({"a.proto", 12, 1'700'000'000'123'456'789, 1'700'000'000'123'456'790, 42, hash::hash_bytes("a"), true});
  s.files.push_back({"sub/b.proto", 0, -1, 2, 7, hash::hash_bytes(""), false});
  s.has_success = true;
  s.success_spec = std::string("root\0/project", 13);
  s.success.push_back({"a.proto", hash::hash_bytes("old a")});
  return s;
}

TEST(FpState, RoundTrips) {
  FpState s = sample();
  auto back = decode_state(encode_state(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  FpState empty;
  EXPECT_EQ(*decode_state(encode_state(empty)), empty);
}

TEST(FpState, StartsWithMagicAndVersion) {
  std::string bytes = encode_state(sample());
  EXPECT_EQ(bytes.substr(0, 4), "ZCFP");
  EXPECT_EQ(bytes.substr(4, 4), std::string("\1\0\0\0", 4));
}

TEST(FpState, RejectsAnythingMalformed) {
  std::string bytes = encode_state(sample());
  for (size_t cut = 0; cut < bytes.size(); ++cut) EXPECT_FALSE(decode_state(bytes.substr(0, cut))) << cut;
  EXPECT_FALSE(decode_state(bytes + "x")) << "trailing bytes";
  std::string wrong_version = bytes;
  wrong_version[4] = 2;
  EXPECT_FALSE(decode_state(wrong_version));
  EXPECT_FALSE(decode_state("not a cache file at all"));
}

}  // namespace
}  // namespace zccache::fp
