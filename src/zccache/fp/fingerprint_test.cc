#include "zccache/fp/fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::fp {
namespace {

using testing::TempDirForTesting;
using testing::write_file_for_testing;

constexpr int64_t kSecond = 1'000'000'000;

// Sets mtime to `seconds_ago` in the past (ctime still moves to now: see the scan times below).
void age(const std::string& path, int seconds_ago) {
  struct timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= seconds_ago;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

class FingerprintTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  std::vector<FileRecord> run(const std::vector<FileRecord>& previous, int64_t start, ScanStats* stats) {
    FileSetSpec spec;
    spec.root = dir_.path();
    auto scanned = scan_files(spec);
    EXPECT_TRUE(scanned.ok());
    auto records = fingerprint(dir_.path(), *scanned, previous, start, stats);
    EXPECT_TRUE(records.ok()) << records.error().message;
    return records.ok() ? *records : std::vector<FileRecord>{};
  }
  TempDirForTesting dir_;
};

TEST_F(FingerprintTest, HashesContentAndReusesTrustedRecords) {
  write_file_for_testing(dir_.file("a"), "alpha");
  write_file_for_testing(dir_.file("b"), "beta");
  ScanStats stats;
  // A scan far in the future: every file is old enough to trust.
  int64_t later = os::now_realtime_ns() + 10 * kSecond;
  auto first = run({}, later, &stats);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].digest, hash::hash_bytes("alpha"));
  EXPECT_TRUE(first[0].trusted);
  EXPECT_EQ(stats.hashed, 2u);
  auto second = run(first, later, &stats);
  EXPECT_EQ(stats.hashed, 0u) << "unchanged trusted files were read again";
  EXPECT_EQ(second, first);
}

TEST_F(FingerprintTest, RacyFilesAreHashedAgainNextTime) {
  write_file_for_testing(dir_.file("a"), "alpha");
  ScanStats stats;
  auto first = run({}, os::now_realtime_ns(), &stats);  // written just now: racy
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].trusted);
  run(first, os::now_realtime_ns(), &stats);
  EXPECT_EQ(stats.hashed, 1u);
}

// The racy case itself (an edit within the kernel's timestamp tick, so size, mtime and ctime all
// stay the same) cannot be staged reliably; a record whose stat facts match exactly stands in.
TEST_F(FingerprintTest, UntrustedRecordIsReadAgainEvenWithIdenticalStatFacts) {
  write_file_for_testing(dir_.file("a"), "alpha");
  int64_t later = os::now_realtime_ns() + 10 * kSecond;
  auto first = run({}, later, nullptr);
  ASSERT_EQ(first.size(), 1u);
  std::vector<FileRecord> stale = first;
  stale[0].digest = hash::hash_bytes("what the file held before the racy edit");
  stale[0].trusted = false;
  EXPECT_EQ(run(stale, later, nullptr)[0].digest, hash::hash_bytes("alpha"));
  stale[0].trusted = true;  // and a trusted one is not read: the stat facts stand in for it
  EXPECT_EQ(run(stale, later, nullptr)[0].digest, stale[0].digest);
}

TEST_F(FingerprintTest, ChangedStatFactsAreHashed) {
  write_file_for_testing(dir_.file("a"), "alpha");
  int64_t later = os::now_realtime_ns() + 10 * kSecond;
  auto first = run({}, later, nullptr);
  write_file_for_testing(dir_.file("a"), "alpha, longer");
  age(dir_.file("a"), 100);
  ScanStats stats;
  auto second = run(first, later, &stats);
  EXPECT_EQ(stats.hashed, 1u);
  EXPECT_EQ(second[0].digest, hash::hash_bytes("alpha, longer"));
}

TEST(Diff, AddedRemovedModifiedSorted) {
  std::vector<SuccessFile> before{{"a", hash::hash_bytes("1")}, {"b", hash::hash_bytes("2")}, {"d", hash::hash_bytes("4")}};
  std::vector<FileRecord> now(3);
  now[0].path = "a";
  now[0].digest = hash::hash_bytes("1");
  now[1].path = "c";
  now[1].digest = hash::hash_bytes("3");
  now[2].path = "d";
  now[2].digest = hash::hash_bytes("changed");
  EXPECT_EQ(diff(before, now), (std::vector<Change>{{ChangeKind::kRemoved, "b"},
                                                     {ChangeKind::kAdded, "c"},
                                                     {ChangeKind::kModified, "d"}}));
  EXPECT_TRUE(diff({}, {}).empty());
}

TEST(SpecString, DistinguishesIncludesFromExcludes) {
  EXPECT_NE(spec_string("/r", {"a"}, {}), spec_string("/r", {}, {"a"}));
  EXPECT_NE(spec_string("/r", {"a", "b"}, {}), spec_string("/r", {"ab"}, {}));
  EXPECT_EQ(spec_string("/r", {"a"}, {"b"}), spec_string("/r", {"a"}, {"b"}));
}

}  // namespace
}  // namespace zccache::fp
