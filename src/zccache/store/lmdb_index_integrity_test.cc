// The index against files it cannot trust: another format version, flipped bits, truncation.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/os/process.h"
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

// open_or_rebuild on an index that must be discarded: expects kRebuilt for a reason (one line)
// that contains `because`, and an empty index that takes writes.
void expect_rebuilt(const std::string& dir, const std::string& because) {
  IndexOrigin origin{};
  std::string why;
  auto index = rebuilt_or_opened(dir, &origin, &why);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(origin, IndexOrigin::kRebuilt);
  EXPECT_NE(why.find(because), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << "one line: " << why;
  for (Table t : {Table::kResults, Table::kMeta, Table::kManifests}) EXPECT_EQ(*index->count(t), 0u);
  ASSERT_TRUE(index->put(Table::kResults, "k", "v").ok());
  EXPECT_EQ(**index->get(Table::kResults, "k"), "v");
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
  expect_rebuilt(path_, "format");
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

TEST(IndexCrashMarker, TheNextOpenOrRebuildStartsOverOnce) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("index");
  ASSERT_TRUE(write_sample_index(path));
  write_file_for_testing(crash_marker_path(path), "6\n");
  expect_rebuilt(path, "crashed (signal 6, Aborted)");
  EXPECT_FALSE(std::filesystem::exists(crash_marker_path(path)));
  IndexOrigin origin{};
  ASSERT_NE(rebuilt_or_opened(path, &origin), nullptr);
  EXPECT_EQ(origin, IndexOrigin::kOpened);
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
  expect_rebuilt(path, "data.mdb");
}

INSTANTIATE_TEST_SUITE_P(, TruncatedIndex, ::testing::Values(0, 1, 50, 90));

// ZCCACHE_INDEX_FLIPS / ZCCACHE_INDEX_FLIP_SEED: a longer standalone run of the test below.
uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// Flips bits of an index of sample_entries() and checks each result on a fresh copy: what the
// daemon does with it (open_or_rebuild, read every entry, write) runs in a child process, which
// must never see a value other than the one stored, and whose writes must work. A crash there is
// what would end the daemon: its handler leaves the crash marker, and the next open_or_rebuild
// must start over. Crashes must stay rare (the checks exist to prevent them): at most 1 in 1,000.
class IndexDamage : public ::testing::Test {
 protected:
  // Outcomes, counted by the child processes (shared memory).
  struct Tally {
    int rebuilt = 0, corrupt_reads = 0, intact = 0, crashed = 0;
  };
  enum Status { kSound = 0, kWrongValue = 1, kWriteFailed = 2, kOpenFailed = 3 };

  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    ASSERT_TRUE(write_sample_index(path_));
    pristine_ = read_file_for_testing(path_ + "/data.mdb");
    void* shared = ::mmap(nullptr, sizeof(Tally), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(shared, MAP_FAILED);
    tally_ = new (shared) Tally;
  }
  void TearDown() override {
    if (tally_ != nullptr) ::munmap(tally_, sizeof(Tally));
  }

  int use_index() {
    auto opened = Index::open_or_rebuild(path_, kMapBytes);
    if (!opened.ok()) return kOpenFailed;
    if (opened->origin == IndexOrigin::kRebuilt) ++tally_->rebuilt;
    Index& index = *opened->index;
    for (const auto& [k, v] : entries_) {
      auto got = index.get(Table::kResults, k);
      if (!got.ok()) {
        if (got.error().code != ErrorCode::kCorrupt) return kWrongValue;
        ++tally_->corrupt_reads;
      } else if (got->has_value()) {
        if (**got != v) return kWrongValue;
        ++tally_->intact;
      }
    }
    if (!index.put(Table::kResults, "after", "v").ok()) return kWriteFailed;
    auto after = index.get(Table::kResults, "after");
    return after.ok() && after->has_value() && **after == "v" ? kSound : kWriteFailed;
  }

  void flip_and_check(size_t offset, int bit) {
    write_file_for_testing(path_ + "/data.mdb", pristine_);
    flip_bit(path_ + "/data.mdb", offset, bit);
    SCOPED_TRACE("bit " + std::to_string(bit) + " of byte " + std::to_string(offset));
    auto used = os::run_in_child([&] { return use_index(); });
    ASSERT_TRUE(used.ok()) << used.error().message;
    if (*used > 128) {
      ++tally_->crashed;
      write_file_for_testing(crash_marker_path(path_), std::to_string(*used - 128) + "\n");
      expect_rebuilt(path_, "crashed (signal " + std::to_string(*used - 128));
      return;
    }
    ASSERT_EQ(*used, kSound) << "1: a wrong value, 2: a write failed, 3: open_or_rebuild failed";
  }
  void report(const std::string& what, uint64_t runs) {
    std::printf("%s of a %zu-byte file: %d rebuilt, %d crashed a user (then rebuilt), %d corrupt reads, %d intact\n",
                what.c_str(), pristine_.size(), tally_->rebuilt, tally_->crashed, tally_->corrupt_reads, tally_->intact);
    EXPECT_LE(static_cast<uint64_t>(tally_->crashed), runs / 1000);
  }

  TempDirForTesting dir_;
  const std::string path_ = dir_.file("index");
  const std::map<std::string, std::string> entries_ = sample_entries();
  std::string pristine_;
  Tally* tally_ = nullptr;
};

// 300 bits at random offsets (ZCCACHE_INDEX_FLIPS and ZCCACHE_INDEX_FLIP_SEED for longer runs).
TEST_F(IndexDamage, RandomBitFlipsNeverServeAWrongValue) {
  const uint64_t trials = env_or("ZCCACHE_INDEX_FLIPS", 300);
  std::mt19937 rng(static_cast<uint32_t>(env_or("ZCCACHE_INDEX_FLIP_SEED", 20240508)));
  for (uint64_t trial = 0; trial < trials && !HasFatalFailure(); ++trial) {
    size_t offset = rng() % pristine_.size();
    flip_and_check(offset, static_cast<int>(rng() % 8));
  }
  report(std::to_string(trials) + " random flips", trials);
  // The test premise: the flips reached both the structure and the values.
  EXPECT_GT(tally_->rebuilt, 0);
  EXPECT_GT(tally_->corrupt_reads, 0);
}

// The two meta pages hold what LMDB trusts most (roots, last page, flags, map size) and are rarely
// hit at random: one bit of each of their first 160 bytes (the header and MDB_meta), a different
// bit per byte, and the bits that failed before the checks of open_or_rebuild existed (in the
// sample index, page 0 is the current meta page): byte 43 bit 7 (EINVAL at open), byte 44 bit 2
// (a DUPSORT flag on the free list: LMDB asserts in the next write), byte 142 bit 4 (a last page
// number past the file: every write fails with MDB_MAP_RESIZED). ZCCACHE_INDEX_META_ALL_BITS=1
// flips all eight bits of each byte (2,560 runs).
TEST_F(IndexDamage, MetaPageFlipsNeverServeAWrongValue) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));  // LMDB's page size
  const bool all_bits = env_or("ZCCACHE_INDEX_META_ALL_BITS", 0) != 0;
  uint64_t runs = 0;
  for (auto [offset, bit] : {std::pair<size_t, int>{43, 7}, {44, 2}, {142, 4}}) {
    flip_and_check(offset, bit);
    ++runs;
  }
  for (size_t meta : {size_t{0}, page}) {
    for (size_t offset = meta; offset < meta + 160 && !HasFatalFailure(); ++offset) {
      for (int bit = 0; bit < 8 && !HasFatalFailure(); ++bit) {
        if (!all_bits && bit != static_cast<int>(offset % 8)) continue;
        flip_and_check(offset, bit);
        ++runs;
      }
    }
  }
  report(std::to_string(runs) + " meta page flips", runs);
  EXPECT_GT(tally_->rebuilt, 0);
}

}  // namespace
}  // namespace zccache::store
