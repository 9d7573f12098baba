#include "zccache/tools/link/reproduce_tar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

namespace zccache::tools::link {
namespace {

using Strings = std::vector<std::string>;

// A ustar header as lld's TarWriter writes one.
std::string header(const std::string& name, uint64_t size, char type = '0', const std::string& prefix = "") {
  std::string b(kTarBlock, '\0');
  b.replace(0, std::min<size_t>(name.size(), 100), name.substr(0, 100));
  char octal[13];
  std::snprintf(octal, sizeof(octal), "%011llo", static_cast<unsigned long long>(size));
  b.replace(124, 11, octal);
  b[156] = type;
  b.replace(257, 6, std::string("ustar\0", 6));
  b.replace(345, prefix.size(), prefix);
  return b;
}

// One member: its header and its data, padded to whole blocks.
std::string member(const std::string& name, const std::string& content, char type = '0') {
  std::string padded = content;
  padded.resize(tar_padded(content.size()), '\0');
  return header(name, content.size(), type) + padded;
}

// A PAX extended header naming the next member `path`.
std::string pax(const std::string& path) {
  std::string record = " path=" + path + "\n";
  size_t len = record.size() + 2;
  if (std::to_string(len).size() != 2) len = record.size() + std::to_string(record.size() + 3).size();
  return member("rep/pax", std::to_string(len) + record, 'x');
}

// lld's own first two members, under the root "rep".
std::string lld_members(const std::string& response = "x.o\n") {
  return member("rep/response.txt", response) + member("rep/version.txt", "LLD 14.0.6\n");
}

const std::string kEnd(2 * kTarBlock, '\0');

class StringTarSource : public TarSource {
 public:
  explicit StringTarSource(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read(uint64_t offset, size_t n, std::string& out) override {
    EXPECT_LE(offset + n, bytes_.size()) << "read past the end";
    if (offset + n > bytes_.size()) return false;
    out = bytes_.substr(offset, n);
    return true;
  }

 private:
  std::string bytes_;
};

Result<ReproduceInputs> parse(std::string tar, std::string_view root = "rep") {
  StringTarSource source(std::move(tar));
  return read_reproduce_tar(source, root);
}

TEST(ReproduceTar, UstarNameSizeAndPrefix) {
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

TEST(ReproduceTar, EndAndGarbageHeaders) {
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

TEST(ReproduceTar, PaxPath) {
  std::string path = "r/" + std::string(200, 'x') + "/a.o";
  std::string record = " path=" + path + "\n";
  std::string len = std::to_string(record.size() + 3);  // three digits
  ASSERT_EQ(len.size(), 3u);
  EXPECT_EQ(pax_path(len + record), path);
  EXPECT_EQ(pax_path("12 mtime=10\n" + len + record), path);
  EXPECT_EQ(pax_path("12 mtime=10\n"), std::nullopt);
  EXPECT_EQ(pax_path("99 path=x\n"), std::nullopt);  // length beyond the data
  EXPECT_EQ(pax_path("x path=y\n"), std::nullopt);
  // The emcc reader took a record whose length did not end at its newline; now refused.
  EXPECT_EQ(pax_path("10 path=xy"), std::nullopt);
}

TEST(ReproduceTar, ListsInputsAndSearchDirectories) {
  std::string response = "-o r.wasm\ntmp/w/m.o\n-L lib\n-L \"/a b\"\n-Lc\n--library-path d\n--library-path=e\n-lc\n";
  std::string tar = lld_members(response) + member("rep/tmp/w/m.o", "obj") +
                    member("rep/usr/lib/libc.a", "!<arch>\n") + kEnd;
  auto inputs = parse(tar);
  ASSERT_TRUE(inputs.ok()) << inputs.error().message;
  EXPECT_EQ(inputs->files, (Strings{"/tmp/w/m.o", "/usr/lib/libc.a"}));
  EXPECT_EQ(inputs->search_dirs, (Strings{"lib", "/a b", "c", "d", "e"}));
}

TEST(ReproduceTar, LongNamesComeFromPaxHeaders) {
  std::string long_path = "rep/" + std::string(150, 'd') + "/libx.a";
  std::string tar = lld_members() + pax(long_path) + member("rep/ddd", "ar") + kEnd;
  auto inputs = parse(tar);
  ASSERT_TRUE(inputs.ok()) << inputs.error().message;
  EXPECT_EQ(inputs->files, (Strings{"/" + std::string(150, 'd') + "/libx.a"}));
}

TEST(ReproduceTar, RefusesDamagedArchives) {
  std::string good = lld_members() + member("rep/x.o", "obj") + kEnd;
  EXPECT_TRUE(parse(good).ok());
  for (size_t cut : {size_t{600}, size_t{1024 + 100}, good.size() - 1}) {
    auto r = parse(good.substr(0, good.size() - cut));
    ASSERT_FALSE(r.ok()) << "cut " << cut;
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  }
  EXPECT_FALSE(parse("").ok());
  EXPECT_FALSE(parse(member("rep/x.o", "obj") + kEnd).ok());  // no response.txt
  std::string bad = good;
  bad[257] = 'x';  // not ustar
  EXPECT_FALSE(parse(bad).ok());
  // A size field past the end of the archive: refused before anything is read.
  std::string huge = lld_members() + header("rep/x.o", 077777777777) + kEnd;
  EXPECT_FALSE(parse(huge).ok());
  // A PAX header with no path record.
  EXPECT_FALSE(parse(lld_members() + member("rep/pax", "12 mtime=10\n", 'x') + member("rep/x.o", "o") + kEnd).ok());
}

// Where the two former readers differed, the stricter rule holds (see reproduce_tar.h).
TEST(ReproduceTar, MembersMustBeUnderTheArchiveRoot) {
  std::string tar = lld_members() + member("rep/x.o", "obj") + kEnd;
  EXPECT_TRUE(parse(tar, "rep").ok());
  auto other = parse(tar, "link-7");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("outside link-7/"), std::string::npos) << other.error().message;
  EXPECT_FALSE(parse(lld_members() + member("elsewhere/x.o", "obj") + kEnd).ok());
  EXPECT_FALSE(parse(lld_members() + member("x.o", "obj") + kEnd).ok());  // no directory at all
  // An empty PAX path names the member "" (the direct-link reader fell back to the ustar name).
  auto empty = parse(lld_members() + member("rep/pax", "8 path=\n", 'x') + member("rep/x.o", "obj") + kEnd);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "member outside rep/: ");
}

TEST(ReproduceTar, ResponseAndVersionComeFirst) {
  std::string obj = member("rep/x.o", "obj");
  std::string response = member("rep/response.txt", "x.o\n");
  std::string version = member("rep/version.txt", "LLD 14.0.6\n");
  EXPECT_TRUE(parse(response + version + obj + kEnd).ok());
  EXPECT_FALSE(parse(response + obj + kEnd).ok());            // no version.txt
  EXPECT_FALSE(parse(response + obj + version + kEnd).ok());  // version.txt not second
  EXPECT_FALSE(parse(obj + response + version + kEnd).ok());  // response.txt not first
  EXPECT_FALSE(parse(version + response + obj + kEnd).ok());
  EXPECT_FALSE(parse(response + kEnd).ok());
  // After lld's two, a member of either name is an input like any other.
  auto inputs = parse(response + version + member("rep/response.txt", "in") + kEnd);
  ASSERT_TRUE(inputs.ok()) << inputs.error().message;
  EXPECT_EQ(inputs->files, (Strings{"/response.txt"}));
}

TEST(ReproduceTar, RefusesMembersLldDoesNotWrite) {
  for (char type : {'1', '2', '5', 'g', 'L'}) {
    std::string tar = lld_members() + member("rep/x", "", type) + member("rep/x.o", "obj") + kEnd;
    EXPECT_FALSE(parse(tar).ok()) << "type " << type;
  }
  std::string pax_too_big = lld_members() + member("rep/pax", std::string((1u << 20) + 1, 'p'), 'x') + kEnd;
  EXPECT_FALSE(parse(pax_too_big).ok());
}

}  // namespace
}  // namespace zccache::tools::link
