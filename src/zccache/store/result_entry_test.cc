#include "zccache/store/result_entry.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::store {
namespace {

ResultEntry sample(bool with_depfile) {
  ResultEntry e;
  e.exit_code = -3;
  e.stdout_data = "out";
  e.stderr_data = std::string("warning: x\0y\n", 13);
  e.compile_time_ns = 0x0123456789abcdefull;
  e.outputs.push_back({"object", hash::hash_bytes("obj"), 12345});
  e.outputs.push_back({"dwo", hash::hash_bytes("dwo"), 0});
  if (with_depfile) {
    e.has_depfile = true;
    e.depfile_bytes = "out.o: a.c a.h\n";
    e.depfile_targets = {"out.o"};
    e.depfile_deps = {"a.c", "a.h", ""};
    e.phony_targets = true;
    e.renderable = false;
  }
  return e;
}

TEST(ResultEntry, RoundTripsWithAndWithoutDepfile) {
  for (bool depfile : {false, true}) {
    ResultEntry e = sample(depfile);
    auto decoded = decode_result(encode_result(e));
    ASSERT_TRUE(decoded.has_value()) << depfile;
    EXPECT_EQ(*decoded, e);
  }
}

TEST(ResultEntry, DefaultEntryRoundTrips) {
  ResultEntry e;
  std::string bytes = encode_result(e);
  // version, exit code, two empty strings, compile time, output count, has_depfile
  EXPECT_EQ(bytes.size(), 4u + 4 + 4 + 4 + 8 + 4 + 1);
  auto decoded = decode_result(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, e);
}

TEST(ResultEntry, EveryTruncationIsRejected) {
  for (bool depfile : {false, true}) {
    std::string bytes = encode_result(sample(depfile));
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(decode_result(std::string_view(bytes).substr(0, n)).has_value())
          << "depfile " << depfile << " length " << n;
    }
  }
}

TEST(ResultEntry, TrailingBytesAndOtherVersionsAreRejected) {
  std::string bytes = encode_result(sample(true));
  EXPECT_FALSE(decode_result(bytes + "x").has_value());
  bytes[0] = 7;
  EXPECT_FALSE(decode_result(bytes).has_value());
}

TEST(ResultEntry, InvalidBooleanIsRejected) {
  std::string bytes = encode_result(sample(false));
  bytes.back() = 2;  // has_depfile
  EXPECT_FALSE(decode_result(bytes).has_value());
}

TEST(ResultEntry, HugeOutputCountIsRejected) {
  std::string bytes = encode_result(ResultEntry{});
  size_t count_at = 4 + 4 + 4 + 4 + 8;
  bytes.replace(count_at, 4, "\xff\xff\xff\xff", 4);
  EXPECT_FALSE(decode_result(bytes).has_value());
}

TEST(ResultEntry, GarbageNeverCrashes) {
  std::mt19937 rng(7);
  std::string valid = encode_result(sample(true));
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (auto e = decode_result(bytes)) {
      // Whatever decodes re-encodes to the same bytes: the format has one spelling per value.
      EXPECT_EQ(encode_result(*e), bytes);
    }
    std::string noise(rng() % 96, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    (void)decode_result(noise);
  }
}

}  // namespace
}  // namespace zccache::store
