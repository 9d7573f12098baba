#include <sys/stat.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "zccache/store/index.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::store {
namespace {

using testing::TempDirForTesting;
using testing::list_dir_for_testing;
using testing::read_file_for_testing;
using testing::write_file_for_testing;

std::unique_ptr<Index> open_or_die(const std::string& dir, uint64_t map_size = 64ull << 20) {
  auto index = Index::open(dir, map_size);
  EXPECT_TRUE(index.ok()) << index.error().message;
  return index.ok() ? std::move(index.value()) : nullptr;
}

TEST(LmdbIndex, PutGetEraseCount) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);

  auto missing = index->get(Table::kResults, "key");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  std::string binary_value("\0\1\2value", 8);
  ASSERT_TRUE(index->put(Table::kResults, "key", binary_value).ok());
  ASSERT_TRUE(index->put(Table::kResults, "other", "v2").ok());
  auto got = index->get(Table::kResults, "key");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, binary_value);
  EXPECT_EQ(*index->count(Table::kResults), 2u);

  ASSERT_TRUE(index->put(Table::kResults, "key", "replaced").ok());
  EXPECT_EQ(**index->get(Table::kResults, "key"), "replaced");
  EXPECT_EQ(*index->count(Table::kResults), 2u);

  ASSERT_TRUE(index->erase(Table::kResults, "key").ok());
  EXPECT_FALSE(index->get(Table::kResults, "key")->has_value());
  EXPECT_EQ(*index->count(Table::kResults), 1u);
  EXPECT_TRUE(index->erase(Table::kResults, "key").ok());  // absent: still fine
  EXPECT_GT(index->size_bytes(), 0u);
}

TEST(LmdbIndex, TablesAreSeparate) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  ASSERT_TRUE(index->put(Table::kManifests, "k", "manifest").ok());
  ASSERT_TRUE(index->put(Table::kResults, "k", "result").ok());
  ASSERT_TRUE(index->put(Table::kMeta, "k", "meta").ok());
  EXPECT_EQ(**index->get(Table::kManifests, "k"), "manifest");
  EXPECT_EQ(**index->get(Table::kResults, "k"), "result");
  EXPECT_EQ(**index->get(Table::kMeta, "k"), "meta");
  EXPECT_EQ(*index->count(Table::kManifests), 1u);
}

TEST(LmdbIndex, ClearEmptiesTablesAndKeepsMetaUnlessAsked) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  for (int i = 0; i < 100; ++i) {
    std::string k = "key" + std::to_string(i);
    ASSERT_TRUE(index->put(Table::kManifests, k, "m").ok());
    ASSERT_TRUE(index->put(Table::kResults, k, "r").ok());
  }
  ASSERT_TRUE(index->put(Table::kMeta, "format", "1").ok());

  ASSERT_TRUE(index->clear(false).ok());
  EXPECT_EQ(*index->count(Table::kManifests), 0u);
  EXPECT_EQ(*index->count(Table::kResults), 0u);
  EXPECT_EQ(*index->count(Table::kMeta), 1u);

  ASSERT_TRUE(index->clear(true).ok());
  EXPECT_EQ(*index->count(Table::kMeta), 0u);
  // Handles stay valid after mdb_drop(dbi, 0).
  ASSERT_TRUE(index->put(Table::kResults, "again", "r").ok());
  EXPECT_EQ(*index->count(Table::kResults), 1u);
}

TEST(LmdbIndex, DataPersistsAcrossReopen) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  {
    auto index = open_or_die(dir.file("index"));
    ASSERT_NE(index, nullptr);
    ASSERT_TRUE(index->put(Table::kManifests, "m", "manifest bytes").ok());
    ASSERT_TRUE(index->put(Table::kMeta, "version", "1").ok());
  }
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  auto got = index->get(Table::kManifests, "m");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, "manifest bytes");
  EXPECT_EQ(**index->get(Table::kMeta, "version"), "1");
}

TEST(LmdbIndex, CreatesPrivateDirectoryWithParents) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("cache/index");
  auto index = open_or_die(path);
  ASSERT_NE(index, nullptr);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(LmdbIndex, OpenFailsCleanlyWhenDirIsAFile) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  write_file_for_testing(dir.file("index"), "not a directory");
  auto index = Index::open(dir.file("index"), 1 << 20);
  EXPECT_FALSE(index.ok());
}

TEST(LmdbIndex, FullMapIsAStoreErrorAndIndexStaysUsable) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"), 1 << 20);
  ASSERT_NE(index, nullptr);
  std::string value(64 * 1024, 'v');
  Status last;
  int stored = 0;
  for (int i = 0; i < 100 && last.ok(); ++i) {
    last = index->put(Table::kResults, "key" + std::to_string(i), value);
    if (last.ok()) ++stored;
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, ErrorCode::kStore);
  EXPECT_NE(last.error().message.find("full"), std::string::npos) << last.error().message;
  EXPECT_EQ(*index->count(Table::kResults), static_cast<uint64_t>(stored));
  ASSERT_TRUE(index->clear(false).ok());
  // Small entries fit at once; LMDB reuses the pages freed by a commit two commits later, so the
  // large value fits again after a couple of ordinary writes.
  EXPECT_TRUE(index->put(Table::kResults, "small1", "s").ok());
  EXPECT_TRUE(index->put(Table::kResults, "small2", "s").ok());
  EXPECT_TRUE(index->put(Table::kResults, "large", value).ok());
}

TEST(LmdbIndex, ConcurrentReadersAndWriters) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  constexpr int kWriters = 2;
  constexpr int kReaders = 4;
  constexpr int kKeysPerWriter = 300;
  auto value_for = [](const std::string& key) { return "value of " + key; };

  std::atomic<bool> writers_done{false};
  std::atomic<int> failures{0};
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kKeysPerWriter; ++i) {
        std::string key = "w" + std::to_string(w) + "k" + std::to_string(i);
        if (!index->put(Table::kResults, key, value_for(key)).ok()) ++failures;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      int round = 0;
      while (!writers_done.load() || round < 2) {
        for (int i = r; i < kKeysPerWriter; i += 7) {
          std::string key = "w" + std::to_string(i % kWriters) + "k" + std::to_string(i);
          auto got = index->get(Table::kResults, key);
          if (!got.ok()) {
            ++failures;
          } else if (got->has_value()) {
            if (**got != value_for(key)) ++failures;  // never a torn or foreign value
            ++hits;
          }
          if (!index->count(Table::kResults).ok()) ++failures;
        }
        if (writers_done.load()) ++round;
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  writers_done = true;
  for (size_t t = kWriters; t < threads.size(); ++t) threads[t].join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(hits.load(), 0);
  EXPECT_EQ(*index->count(Table::kResults), static_cast<uint64_t>(kWriters * kKeysPerWriter));
}

TEST(LmdbIndex, WriteBatchPutsAndErasesInOneGo) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  ASSERT_TRUE(index->put(Table::kResults, "old", "x").ok());
  std::vector<IndexWrite> writes{{Table::kResults, "a", "1"},
                                 {Table::kUsage, "a", "t"},
                                 {Table::kResults, "old", std::nullopt},
                                 {Table::kResults, "never-there", std::nullopt}};
  ASSERT_TRUE(index->write_batch(writes).ok());
  EXPECT_EQ(**index->get(Table::kResults, "a"), "1");
  EXPECT_EQ(**index->get(Table::kUsage, "a"), "t");
  EXPECT_FALSE(index->get(Table::kResults, "old")->has_value());
  EXPECT_TRUE(index->write_batch({}).ok());
}

TEST(LmdbIndex, ForEachVisitsEveryEntryInKeyOrderAndStopsEarly) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  for (const char* k : {"c", "a", "b"}) ASSERT_TRUE(index->put(Table::kUsage, k, std::string("v") + k).ok());
  ASSERT_TRUE(index->put(Table::kResults, "z", "other table").ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(index->for_each(Table::kUsage, [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a=va", "b=vb", "c=vc"}));
  int calls = 0;
  ASSERT_TRUE(index->for_each(Table::kUsage, [&](std::string_view, std::string_view) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);
}

TEST(LmdbIndex, RewriteEachKeepsReplacesAndErases) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(index->put(Table::kManifests, "k" + std::to_string(100 + i), "v").ok());
  // Erase the even ones (including the first and the last), replace every third, keep the rest.
  ASSERT_TRUE(index->rewrite_each(Table::kManifests, [](std::string_view k, std::string_view, std::string* out) {
    int n = std::stoi(std::string(k.substr(1))) - 100;
    if (n % 2 == 0) return Rewrite::kErase;
    if (n % 3 == 0) {
      *out = "replaced";
      return Rewrite::kReplace;
    }
    return Rewrite::kKeep;
  }).ok());
  EXPECT_EQ(*index->count(Table::kManifests), 25u);
  EXPECT_FALSE(index->get(Table::kManifests, "k100")->has_value());
  EXPECT_FALSE(index->get(Table::kManifests, "k148")->has_value());
  EXPECT_EQ(**index->get(Table::kManifests, "k103"), "replaced");
  EXPECT_EQ(**index->get(Table::kManifests, "k101"), "v");
  EXPECT_EQ(**index->get(Table::kManifests, "k149"), "v");
}

TEST(LmdbIndex, ClearEmptiesUsageToo) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto index = open_or_die(dir.file("index"));
  ASSERT_NE(index, nullptr);
  ASSERT_TRUE(index->put(Table::kUsage, "k", "t").ok());
  ASSERT_TRUE(index->put(Table::kMeta, "stats", "{}").ok());
  ASSERT_TRUE(index->clear(/*include_meta=*/false).ok());
  EXPECT_EQ(*index->count(Table::kUsage), 0u);
  EXPECT_EQ(*index->count(Table::kMeta), 1u);
}

}  // namespace
}  // namespace zccache::store
