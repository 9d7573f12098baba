// The index against files it cannot trust: another format version, flipped bits, truncation.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/store/index.h"
#include "zccache/testing/index_format.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::store {
namespace {

using testing::TempDirForTesting;
using testing::read_file_for_testing;
using testing::set_index_format_for_testing;
using testing::write_file_for_testing;

constexpr uint64_t kMapBytes = 64ull << 20;

// Distinct values of many sizes, some larger than a page (LMDB puts those on overflow pages).
std::map<std::string, std::string> sample_entries() {
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 400; ++i) {
    std::string value = "value-" + std::to_string(i) + "-";
    value.append(static_cast<size_t>(40 + (i * 97) % (i % 10 == 0 ? 9000 : 900)), static_cast<char>('a' + i % 26));
    entries["key-" + std::to_string(i)] = value;
  }
  return entries;
}

// An index in `dir` holding sample_entries() in kResults; false when a step failed.
bool write_sample_index(const std::string& dir) {
  auto index = Index::open(dir, kMapBytes);
  if (!index.ok()) return false;
  std::vector<IndexWrite> writes{{Table::kMeta, "stats", "{\"hits\":7}"}};
  for (const auto& [k, v] : sample_entries()) writes.push_back({Table::kResults, k, v});
  return (*index)->write_batch(writes).ok();
}

void flip_bit(const std::string& path, size_t offset, int bit) {
  std::string bytes = read_file_for_testing(path);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
  write_file_for_testing(path, bytes);
}

std::unique_ptr<Index> rebuilt_or_opened(const std::string& dir, IndexOrigin* origin = nullptr,
                                         std::string* why = nullptr) {
  auto opened = Index::open_or_rebuild(dir, kMapBytes);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  if (!opened.ok()) return nullptr;
  if (origin) *origin = opened->origin;
  if (why) *why = opened->rebuilt_because;
  return std::move(opened->index);
}

TEST(IndexFormat, NewIndexIsStampedAndReopensWithItsData) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  IndexOrigin origin{};
  {
    auto index = rebuilt_or_opened(dir.file("index"), &origin);
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(origin, IndexOrigin::kCreated);
    ASSERT_TRUE(index->put(Table::kResults, "k", "v").ok());
  }
  auto index = rebuilt_or_opened(dir.file("index"), &origin);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(origin, IndexOrigin::kOpened);
  EXPECT_EQ(**index->get(Table::kResults, "k"), "v");
}

// An index of sample entries whose format stamp is GetParam().
class OtherFormat : public ::testing::TestWithParam<std::optional<std::string>> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    ASSERT_TRUE(write_sample_index(path_));
    ASSERT_TRUE(set_index_format_for_testing(path_, GetParam()));
  }
  TempDirForTesting dir_;
  const std::string path_ = dir_.file("index");
};

TEST_P(OtherFormat, OpenRefusesItAndLeavesItAlone) {
  std::string before = read_file_for_testing(path_ + "/data.mdb");
  auto index = Index::open(path_, kMapBytes);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.error().code, ErrorCode::kCorrupt) << index.error().message;
  EXPECT_NE(index.error().message.find("format"), std::string::npos) << index.error().message;
  EXPECT_EQ(read_file_for_testing(path_ + "/data.mdb"), before) << "open() wrote to an index it refused";
}

TEST_P(OtherFormat, OpenOrRebuildDiscardsItForAnEmptyWorkingIndex) {
  IndexOrigin origin{};
  std::string why;
  auto index = rebuilt_or_opened(path_, &origin, &why);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(origin, IndexOrigin::kRebuilt);
  EXPECT_NE(why.find("format"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << "one line: " << why;
  for (Table t : {Table::kResults, Table::kMeta, Table::kManifests}) EXPECT_EQ(*index->count(t), 0u);
  ASSERT_TRUE(index->put(Table::kResults, "k", "v").ok());
  EXPECT_EQ(**index->get(Table::kResults, "k"), "v");
  index.reset();
  // And it is a current index from now on.
  IndexOrigin again{};
  ASSERT_NE(rebuilt_or_opened(path_, &again), nullptr);
  EXPECT_EQ(again, IndexOrigin::kOpened);
}

// nullopt: an index from before the stamp existed; "0", "2": older and newer numbers; junk.
INSTANTIATE_TEST_SUITE_P(, OtherFormat,
                         ::testing::Values(std::nullopt, std::optional<std::string>("0"),
                                           std::optional<std::string>("2"), std::optional<std::string>("1x")),
                         [](const auto& info) {
                           if (!info.param) return std::string("Unstamped");
                           std::string name = "Format";
                           for (char c : *info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// Flips one bit at `delta` past every copy of `needle` in the index's data file: the live page
// and the stale ones copy-on-write left behind (the test's way to hit one stored value).
void flip_in_every_copy(const std::string& index_dir, const std::string& needle, size_t delta) {
  std::string path = index_dir + "/data.mdb";
  std::string bytes = read_file_for_testing(path);
  int copies = 0;
  for (size_t at = bytes.find(needle); at != std::string::npos; at = bytes.find(needle, at + 1), ++copies) {
    bytes[at + delta] = static_cast<char>(bytes[at + delta] ^ 1);
  }
  ASSERT_GT(copies, 0) << needle;
  write_file_for_testing(path, bytes);
}

TEST(IndexChecksum, AFlippedValueIsCorruptNeverAWrongValueAndThePutReplacesIt) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("index");
  const std::string value = "exit 0, stdout: hello from the compiler";
  {
    auto index = Index::open(path, kMapBytes);
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->put(Table::kResults, "k", value).ok());
    ASSERT_TRUE((*index)->put(Table::kResults, "other", "fine").ok());
  }
  flip_in_every_copy(path, "hello", 2);
  auto index = Index::open(path, kMapBytes);
  ASSERT_TRUE(index.ok());
  auto got = (*index)->get(Table::kResults, "k");
  ASSERT_FALSE(got.ok()) << "served: " << got->value_or("(absent)");
  EXPECT_EQ(got.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(**(*index)->get(Table::kResults, "other"), "fine");
  ASSERT_TRUE((*index)->put(Table::kResults, "k", value).ok());
  EXPECT_EQ(**(*index)->get(Table::kResults, "k"), value);
}

TEST(IndexChecksum, ForEachSkipsAndRewriteEachErasesAFlippedValue) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("index");
  {
    auto index = Index::open(path, kMapBytes);
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->put(Table::kManifests, "a", "first-value").ok());
    ASSERT_TRUE((*index)->put(Table::kManifests, "b", "second-value").ok());
  }
  flip_in_every_copy(path, "first-value", 3);
  auto index = Index::open(path, kMapBytes);
  ASSERT_TRUE(index.ok());
  std::vector<std::string> seen;
  ASSERT_TRUE((*index)->for_each(Table::kManifests, [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"b=second-value"});
  int calls = 0;
  ASSERT_TRUE((*index)->rewrite_each(Table::kManifests, [&](std::string_view, std::string_view, std::string*) {
    ++calls;
    return Rewrite::kKeep;
  }).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(*(*index)->count(Table::kManifests), 1u) << "the corrupt value was kept";
}

class TruncatedIndex : public ::testing::TestWithParam<int> {};

// GetParam(): the size kept, in percent of the data file.
TEST_P(TruncatedIndex, IsRebuiltWithoutACrash) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("index");
  ASSERT_TRUE(write_sample_index(path));
  std::string data = path + "/data.mdb";
  off_t size = static_cast<off_t>(std::filesystem::file_size(data));
  ASSERT_EQ(::truncate(data.c_str(), size * GetParam() / 100), 0);
  IndexOrigin origin{};
  std::string why;
  auto index = rebuilt_or_opened(path, &origin, &why);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(origin, IndexOrigin::kRebuilt);
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(*index->count(Table::kResults), 0u);
  ASSERT_TRUE(index->put(Table::kResults, "k", "v").ok());
  EXPECT_EQ(**index->get(Table::kResults, "k"), "v");
}

INSTANTIATE_TEST_SUITE_P(, TruncatedIndex, ::testing::Values(0, 1, 50, 90));

// One bit flipped at a random offset of the data file, 300 times (each on a fresh copy): the index
// opens (rebuilt or not) without killing this process, never returns a value other than the one
// stored, and takes writes afterwards.
TEST(IndexDamage, RandomBitFlipsNeverCrashAndNeverReturnAWrongValue) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("index");
  ASSERT_TRUE(write_sample_index(path));
  const std::string pristine = read_file_for_testing(path + "/data.mdb");
  const auto entries = sample_entries();
  std::mt19937 rng(20240508);
  int rebuilt = 0, corrupt_reads = 0, intact = 0;
  for (int trial = 0; trial < 300; ++trial) {
    write_file_for_testing(path + "/data.mdb", pristine);
    size_t offset = rng() % pristine.size();
    int bit = static_cast<int>(rng() % 8);
    flip_bit(path + "/data.mdb", offset, bit);
    SCOPED_TRACE("bit " + std::to_string(bit) + " of byte " + std::to_string(offset));
    IndexOrigin origin{};
    auto index = rebuilt_or_opened(path, &origin);
    ASSERT_NE(index, nullptr);
    if (origin == IndexOrigin::kRebuilt) ++rebuilt;
    for (const auto& [k, v] : entries) {
      auto got = index->get(Table::kResults, k);
      if (!got.ok()) {
        EXPECT_EQ(got.error().code, ErrorCode::kCorrupt) << got.error().message;
        ++corrupt_reads;
      } else if (got->has_value()) {
        ASSERT_EQ(**got, v) << "a wrong value for " << k;
        ++intact;
      }
    }
    ASSERT_TRUE(index->put(Table::kResults, "after", "v").ok());
    EXPECT_EQ(**index->get(Table::kResults, "after"), "v");
  }
  std::printf("300 flips of a %zu-byte file: %d rebuilt, %d corrupt reads, %d intact reads\n", pristine.size(), rebuilt,
              corrupt_reads, intact);
  // The test premise: the flips reached both the structure and the values.
  EXPECT_GT(rebuilt, 0);
  EXPECT_GT(corrupt_reads, 0);
}

}  // namespace
}  // namespace zccache::store
