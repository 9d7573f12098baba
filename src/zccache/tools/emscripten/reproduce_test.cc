#include "zccache/tools/emscripten/reproduce.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace zccache::tools::emscripten {
namespace {

using Strings = std::vector<std::string>;

// One tar member as lld's TarWriter writes it (ustar magic, octal size, typeflag).
std::string member(const std::string& name, const std::string& content, char type = '0') {
  std::string header(512, '\0');
  header.replace(0, std::min<size_t>(name.size(), 100), name.substr(0, 100));
  char size[12];
  std::snprintf(size, sizeof(size), "%011zo", content.size());
  header.replace(124, 11, size, 11);
  header[156] = type;
  header.replace(257, 6, std::string("ustar\0", 6));
  std::string padded = content;
  padded.resize((content.size() + 511) / 512 * 512, '\0');
  return header + padded;
}

std::string pax(const std::string& path) {
  std::string record = " path=" + path + "\n";
  size_t len = record.size() + 2;
  if (std::to_string(len).size() != 2) len = record.size() + std::to_string(record.size() + 3).size();
  return member("rep/pax", std::to_string(len) + record, 'x');
}

const std::string kEnd(1024, '\0');

TEST(ReproduceTar, ListsInputsAndSearchDirectories) {
  std::string tar = member("rep/response.txt", "-o r.wasm\ntmp/w/m.o\n-L lib\n-L \"/a b\"\n-lc\n") +
                    member("rep/version.txt", "LLD 14.0.6\n") + member("rep/tmp/w/m.o", "obj") +
                    member("rep/usr/lib/libc.a", "!<arch>\n") + kEnd;
  auto inputs = parse_reproduce_tar(tar);
  ASSERT_TRUE(inputs);
  EXPECT_EQ(inputs->files, (Strings{"/tmp/w/m.o", "/usr/lib/libc.a"}));
  EXPECT_EQ(inputs->search_dirs, (Strings{"lib", "/a b"}));
}

TEST(ReproduceTar, LongNamesComeFromPaxHeaders) {
  std::string long_path = "rep/" + std::string(150, 'd') + "/libx.a";
  std::string tar = member("rep/response.txt", "x.o\n") + pax(long_path) + member("rep/ddd", "ar") + kEnd;
  auto inputs = parse_reproduce_tar(tar);
  ASSERT_TRUE(inputs);
  EXPECT_EQ(inputs->files, (Strings{"/" + std::string(150, 'd') + "/libx.a"}));
}

TEST(ReproduceTar, RefusesDamagedArchives) {
  std::string good = member("rep/response.txt", "x.o\n") + member("rep/x.o", "obj") + kEnd;
  EXPECT_TRUE(parse_reproduce_tar(good));
  EXPECT_FALSE(parse_reproduce_tar(good.substr(0, good.size() - 600)));  // truncated
  EXPECT_FALSE(parse_reproduce_tar(member("rep/x.o", "obj") + kEnd));  // no response.txt
  std::string bad = good;
  bad[257] = 'x';  // not ustar
  EXPECT_FALSE(parse_reproduce_tar(bad));
}

}  // namespace
}  // namespace zccache::tools::emscripten
