#include "zccache/config/size.h"

#include <gtest/gtest.h>

namespace zccache::config {
namespace {

uint64_t size_or_die(std::string_view text) {
  auto r = parse_size(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : 0;
}

TEST(ParseSize, PlainBytes) {
  EXPECT_EQ(size_or_die("0"), 0u);
  EXPECT_EQ(size_or_die("12345"), 12345u);
  EXPECT_EQ(size_or_die("512B"), 512u);
}

TEST(ParseSize, UnitsArePowersOf1024) {
  EXPECT_EQ(size_or_die("64K"), 64u << 10);
  EXPECT_EQ(size_or_die("500M"), 500ull << 20);
  EXPECT_EQ(size_or_die("10G"), 10ull << 30);
  EXPECT_EQ(size_or_die("2T"), 2ull << 40);
  EXPECT_EQ(size_or_die("10g"), 10ull << 30);
  EXPECT_EQ(size_or_die("10GiB"), 10ull << 30);
  EXPECT_EQ(size_or_die("10GB"), 10ull << 30);
  EXPECT_EQ(size_or_die("10gib"), 10ull << 30);
}

TEST(ParseSize, Fractions) {
  EXPECT_EQ(size_or_die("1.5G"), 3ull << 29);
  EXPECT_EQ(size_or_die("0.5K"), 512u);
  EXPECT_EQ(size_or_die(".25M"), 256u << 10);
  EXPECT_EQ(size_or_die("1.1T"), static_cast<uint64_t>(1.1 * (1ull << 40)));
}

TEST(ParseSize, RejectsMalformedValues) {
  for (const char* bad : {"", "G", "abc", "-1", "10X", "10 G", " 10G", "10G ", "1.5", "1.G", "1..5G", "10GiBs",
                          "99999999999999999999", "20000000T", "1e9"}) {
    auto r = parse_size(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
      EXPECT_NE(r.error().message.find("10G"), std::string::npos) << r.error().message;
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
    }
  }
}

TEST(FormatSize, ShortestExactSpelling) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(1024), "1K");
  EXPECT_EQ(format_size(5ull << 30), "5G");
  EXPECT_EQ(format_size(3ull << 29), "1536M");
  EXPECT_EQ(format_size(3ull << 40), "3T");
}

TEST(FormatSize, RoundTrips) {
  for (uint64_t v : {1ull, 4095ull, 4096ull, 10ull << 30, (1ull << 40) + 1, 123456789ull}) {
    EXPECT_EQ(size_or_die(format_size(v)), v) << format_size(v);
  }
}

}  // namespace
}  // namespace zccache::config
