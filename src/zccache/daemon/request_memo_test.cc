#include "zccache/daemon/request_memo.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {

hash::Digest key(int i) { return hash::Hasher().add_u64(static_cast<uint64_t>(i)).finish(); }

// An entry shaped like a response-file unit's: one directory with `names` absent header names.
std::shared_ptr<MemoEntry> entry_with_names(int names) {
  auto e = std::make_shared<MemoEntry>();
  store::DirState dir;
  dir.path = "/project/include/some/directory";
  for (int i = 0; i < names; ++i) dir.absent.push_back("header_name_number_" + std::to_string(i) + ".h");
  e->inputs.dirs.push_back(std::move(dir));
  e->units.emplace_back();
  return e;
}

TEST(RequestMemo, CountsTheShadowNamesAnEntryHolds) {
  const size_t small = approx_bytes(*entry_with_names(10));
  const size_t large = approx_bytes(*entry_with_names(10'000));
  EXPECT_GT(large, small + 10'000 * 32) << "each absent name is a string of its own";
}

TEST(RequestMemo, ABudgetOverrunDropsTheEntriesItHeld) {
  const size_t one = approx_bytes(*entry_with_names(1'000));
  RequestMemo memo(one * 3 + one / 2);  // room for three
  for (int i = 0; i < 3; ++i) memo.put(key(i), entry_with_names(1'000));
  EXPECT_EQ(memo.bytes(), one * 3);
  for (int i = 0; i < 3; ++i) EXPECT_NE(memo.find(key(i)), nullptr) << i;
  memo.put(key(3), entry_with_names(1'000));  // over the budget: the others go
  EXPECT_EQ(memo.find(key(0)), nullptr);
  EXPECT_NE(memo.find(key(3)), nullptr);
  EXPECT_EQ(memo.bytes(), one);
}

TEST(RequestMemo, ReplacingAndErasingKeepTheCountRight) {
  RequestMemo memo;
  memo.put(key(1), entry_with_names(100));
  memo.put(key(1), entry_with_names(200));
  EXPECT_EQ(memo.bytes(), approx_bytes(*entry_with_names(200)));
  memo.erase(key(1));
  EXPECT_EQ(memo.bytes(), 0u);
  EXPECT_EQ(memo.find(key(1)), nullptr);
}

TEST(RequestMemo, AnEntryLargerThanTheBudgetIsNotKept) {
  RequestMemo memo(approx_bytes(*entry_with_names(10)));
  memo.put(key(1), entry_with_names(10'000));
  EXPECT_EQ(memo.find(key(1)), nullptr);
  EXPECT_EQ(memo.bytes(), 0u);
}

}  // namespace
}  // namespace zccache::daemon
