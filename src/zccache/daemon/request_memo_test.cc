#include "zccache/daemon/request_memo.h"

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {

protocol::CompileRequest request_with_env(std::vector<std::string> env) {
  protocol::CompileRequest req;
  req.compiler = "/usr/bin/cc";
  req.cwd = "/w";
  req.args = {"-c", "a.c"};
  req.env = std::move(env);
  return req;
}

// The memo key covers the variables that change a compile (and its lookup), as find_env() reads
// them: the first NAME=VALUE, unset distinct from empty; nothing else of the environment.
TEST(MemoKey, SeesTheVariablesThatMatterAndOnlyThose) {
  const hash::Digest base = memo_key(request_with_env({"HOME=/root", "CPATH=/inc", "TERM=xterm"}));
  EXPECT_EQ(memo_key(request_with_env({"TERM=xterm", "OTHER=1", "CPATH=/inc", "HOME=/x"})), base)
      << "order and unrelated variables must not matter";
  EXPECT_NE(memo_key(request_with_env({"CPATH=/inc2", "TERM=xterm"})), base);
  EXPECT_NE(memo_key(request_with_env({"CPATH=/inc", "TERM=dumb"})), base);
  EXPECT_NE(memo_key(request_with_env({"CPATH=/inc"})), base) << "TERM unset";
  EXPECT_NE(memo_key(request_with_env({"CPATH=/inc", "TERM="})), base) << "TERM empty is not unset";
  EXPECT_EQ(memo_key(request_with_env({"CPATH=/inc", "TERM=xterm", "CPATH=/later"})), base)
      << "the first of two definitions is the one in effect";
  EXPECT_NE(memo_key(request_with_env({"CPATH=/inc", "TERM=xterm", "SOURCE_DATE_EPOCH=0"})), base);
  EXPECT_NE(memo_key(request_with_env({"CPATH=/inc", "TERM=xterm", "SUNPRO_DEPENDENCIES=d"})), base);
  EXPECT_EQ(memo_key(request_with_env({"CPATH=/inc", "TERM=xterm", "CPATHX=1", "CPAT=2"})), base)
      << "a longer or shorter name is another variable";
}

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

TEST(RequestMemo, AListSharedByManyDirectoriesIsCountedOnce) {
  // 25 -I directories that lack the same 1,000 names: one list, as make_memo_entry keeps it.
  auto shared = entry_with_names(1'000);
  for (int i = 0; i < 25; ++i) {
    store::DirState dir = shared->inputs.dirs[0];
    dir.path = "/project/inc/d" + std::to_string(i);
    shared->inputs.dirs.push_back(std::move(dir));
  }
  EXPECT_LT(approx_bytes(*shared), approx_bytes(*entry_with_names(1'000)) + 25 * 200)
      << "only the directories' own fields are added";
  // The memo keeps such a set shared: built by make_memo_entry from a unit's include set.
  std::vector<MemoUnit> units(1);
  units[0].include_set.dirs = shared->inputs.dirs;
  for (auto& dir : units[0].include_set.dirs) dir.absent = store::NameList(dir.absent.names());  // unshared
  auto memo = make_memo_entry(hash::Digest{}, {}, std::move(units));
  ASSERT_NE(memo, nullptr);
  ASSERT_EQ(memo->inputs.dirs.size(), 26u);
  for (const auto& dir : memo->inputs.dirs) {
    EXPECT_EQ(dir.absent.storage(), memo->inputs.dirs[0].absent.storage()) << dir.path;
  }
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
