#include "zccache/tools/link/tar_names.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace zccache::tools::link {
namespace {

// A ustar header as lld's TarWriter writes one.
std::string header(const std::string& name, uint64_t size, char type = '0', const std::string& prefix = "") {
  std::string b(kTarBlock, '\0');
  b.replace(0, name.size(), name);
  char octal[13];
  std::snprintf(octal, sizeof(octal), "%011llo", static_cast<unsigned long long>(size));
  b.replace(124, 11, octal);
  b[156] = type;
  b.replace(257, 6, std::string("ustar\0", 6));
  b.replace(345, prefix.size(), prefix);
  return b;
}

TEST(TarNames, UstarNameSizeAndPrefix) {
  auto h = parse_tar_header(header("r/tmp/a.o", 1234));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "r/tmp/a.o");
  EXPECT_EQ(h->size, 1234u);
  EXPECT_EQ(h->type, '0');
  EXPECT_FALSE(h->end);
  h = parse_tar_header(header("libf.a", 7, '0', "r/very/long/dir"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "r/very/long/dir/libf.a");
  EXPECT_EQ(tar_padded(0), 0u);
  EXPECT_EQ(tar_padded(1), 512u);
  EXPECT_EQ(tar_padded(512), 512u);
}

TEST(TarNames, EndAndGarbage) {
  auto h = parse_tar_header(std::string(kTarBlock, '\0'));
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->end);
  std::string bad = header("a.o", 1);
  bad[257] = 'X';
  EXPECT_FALSE(parse_tar_header(bad));
  EXPECT_FALSE(parse_tar_header("short"));
  std::string bad_size = header("a.o", 1);
  bad_size[124] = '9';
  EXPECT_FALSE(parse_tar_header(bad_size));
}

TEST(TarNames, PaxPath) {
  std::string path = "r/" + std::string(200, 'x') + "/a.o";
  std::string record = " path=" + path + "\n";
  std::string len = std::to_string(record.size() + 3);  // three digits
  ASSERT_EQ(len.size(), 3u);
  EXPECT_EQ(pax_path(len + record), path);
  EXPECT_EQ(pax_path("12 mtime=10\n" + len + record), path);
  EXPECT_EQ(pax_path("12 mtime=10\n"), std::nullopt);
  EXPECT_EQ(pax_path("99 path=x\n"), std::nullopt);  // length beyond the data
  EXPECT_EQ(pax_path("x path=y\n"), std::nullopt);
}

}  // namespace
}  // namespace zccache::tools::link
