#include "zccache/daemon/journal_writer.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "zccache/testing/temp_dir.h"

namespace zccache::daemon {
namespace {

using testing::TempDirForTesting;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

JournalEntry entry(int n) {
  JournalEntry e;
  e.ts_ns = 1'700'000'000'000'000'000;
  e.compiler = "/usr/bin/gcc";
  e.args = {"-c", "s" + std::to_string(n) + ".c"};
  e.cwd = "/src";
  return e;
}

TEST(JournalWriter, WritesGlobalAndSessionFiles) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {});
  auto session_journal = std::make_shared<AppendFile>(dir.path() + "/s.jsonl", 0, 0, 0644);
  auto session_log = std::make_shared<AppendFile>(dir.path() + "/s.log", 0, 0, 0644);
  ASSERT_TRUE(writer.submit(entry(1), nullptr, nullptr));
  ASSERT_TRUE(writer.submit(entry(2), session_journal, session_log));
  writer.drain_once();
  auto g = lines_of(global);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(g[1])["args"][1], "s2.c");
  auto sj = lines_of(dir.path() + "/s.jsonl");
  ASSERT_EQ(sj.size(), 1u);
  EXPECT_EQ(sj[0], g[1]) << "a session's journal line is the global one";
  auto sl = lines_of(dir.path() + "/s.log");
  ASSERT_EQ(sl.size(), 1u);
  EXPECT_NE(sl[0].find("/usr/bin/gcc -c s2.c"), std::string::npos) << sl[0];
}

TEST(JournalWriter, ABatchIsWrittenInTheOrderTheRequestsArrived) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {});
  JournalEntry later = entry(2), earlier = entry(1), same_time = entry(3);
  later.ts_ns += 1000;  // submitted first (a hit's accounting ran late), arrived second
  same_time.ts_ns = earlier.ts_ns;
  ASSERT_TRUE(writer.submit(later, nullptr, nullptr));
  ASSERT_TRUE(writer.submit(earlier, nullptr, nullptr));
  ASSERT_TRUE(writer.submit(same_time, nullptr, nullptr));
  writer.drain_once();
  auto lines = lines_of(global);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("s1.c"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("s3.c"), std::string::npos) << "equal times keep their order: " << lines[1];
  EXPECT_NE(lines[2].find("s2.c"), std::string::npos) << lines[2];
}

TEST(JournalWriter, StopWritesEverythingQueued) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  {
    JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {});
    writer.start();
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(writer.submit(entry(i), nullptr, nullptr));
    writer.stop();
  }
  auto g = lines_of(global);
  ASSERT_EQ(g.size(), 500u);
  EXPECT_EQ(nlohmann::json::parse(g[499])["args"][1], "s499.c") << "in order";
}

TEST(JournalWriter, FlushReturnsAfterEarlierEntriesAreWritten) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {});
  writer.start();
  for (int i = 0; i < 50; ++i) writer.submit(entry(i), nullptr, nullptr);
  writer.flush();
  EXPECT_EQ(lines_of(global).size(), 50u);
}

TEST(JournalWriter, EntriesThatFollowTheFirstWithinTheLingerShareOneWrite) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {}, JournalWriter::kMaxQueuedBytes,
                       std::chrono::milliseconds(500));
  writer.start();
  ASSERT_TRUE(writer.submit(entry(1), nullptr, nullptr));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // without the linger, written alone by now
  ASSERT_TRUE(writer.submit(entry(2), nullptr, nullptr));
  for (int i = 0; i < 200 && lines_of(global).size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(lines_of(global).size(), 2u);
  EXPECT_EQ(writer.batches(), 1u);
}

TEST(JournalWriter, FlushAndStopDoNotWaitOutTheLinger) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {}, JournalWriter::kMaxQueuedBytes,
                       std::chrono::hours(1));
  writer.start();
  ASSERT_TRUE(writer.submit(entry(1), nullptr, nullptr));
  writer.flush();  // would hang for the hour otherwise
  EXPECT_EQ(lines_of(global).size(), 1u);
  ASSERT_TRUE(writer.submit(entry(2), nullptr, nullptr));
  writer.stop();
  EXPECT_EQ(lines_of(global).size(), 2u);
}

TEST(JournalWriter, ABatchOfLingerBytesIsWrittenWithoutWaitingOutTheLinger) {
  TempDirForTesting dir;
  const std::string global = dir.path() + "/journal.jsonl";
  JournalWriter writer(std::make_unique<AppendFile>(global, 0, 0, 0600), {}, JournalWriter::kMaxQueuedBytes,
                       std::chrono::hours(1));
  writer.start();
  JournalEntry big = entry(1);
  big.args.push_back(std::string(JournalWriter::kLingerBytes / 2 + 1, 'x'));
  ASSERT_TRUE(writer.submit(big, nullptr, nullptr));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the thread lingers by now
  ASSERT_TRUE(writer.submit(big, nullptr, nullptr));           // the batch is large enough now
  for (int i = 0; i < 1000 && lines_of(global).size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(lines_of(global).size(), 2u) << "still lingering";
  writer.stop();
}

TEST(JournalWriter, DropsAndCountsWhenTheQueueIsFull) {
  TempDirForTesting dir;
  JournalWriter writer(std::make_unique<AppendFile>(dir.path() + "/j", 0, 0, 0600), {}, /*max_queued_bytes=*/1000);
  int accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += writer.submit(entry(i), nullptr, nullptr) ? 1 : 0;
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 20);
  EXPECT_EQ(writer.dropped(), static_cast<uint64_t>(20 - accepted));
  writer.drain_once();
  EXPECT_TRUE(writer.submit(entry(99), nullptr, nullptr)) << "room again once written";
}

TEST(AppendFile, RotatesBySizeAndKeepsABoundedNumberOfFiles) {
  TempDirForTesting dir;
  const std::string path = dir.path() + "/j.jsonl";
  AppendFile file(path, /*max_bytes=*/100, /*keep=*/3, 0600);
  const std::string line(39, 'x');  // 40 bytes with the newline: two per file
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(file.append(line + "\n").ok());
  namespace fs = std::filesystem;
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(fs::exists(path + ".1"));
  EXPECT_TRUE(fs::exists(path + ".3"));
  EXPECT_FALSE(fs::exists(path + ".4")) << "keep bounds the rotated files";
  for (const std::string& p : {path, path + ".1", path + ".2", path + ".3"}) {
    EXPECT_LE(fs::file_size(p), 100u) << p;
    EXPECT_EQ(lines_of(p).size(), 2u) << p;
  }
}

TEST(AppendFile, SplitsABatchBetweenFilesAtLineBoundaries) {
  TempDirForTesting dir;
  const std::string path = dir.path() + "/j.jsonl";
  AppendFile file(path, /*max_bytes=*/100, /*keep=*/5, 0600);
  std::string batch;
  for (int i = 0; i < 5; ++i) batch += std::string(39, static_cast<char>('a' + i)) + "\n";  // 200 bytes
  ASSERT_TRUE(file.append(batch).ok());
  namespace fs = std::filesystem;
  // Oldest first: .2 holds a and b, .1 holds c and d, the current file e.
  std::vector<std::string> all;
  for (const std::string& p : {path + ".2", path + ".1", path}) {
    EXPECT_LE(fs::file_size(p), 100u) << p;
    for (auto& l : lines_of(p)) all.push_back(l);
  }
  ASSERT_EQ(all.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(all[i], std::string(39, static_cast<char>('a' + i))) << i;
  // A line longer than the limit gets a file of its own, whole.
  ASSERT_TRUE(file.append(std::string(150, 'z') + "\n" + std::string(9, 'y') + "\n").ok());
  EXPECT_EQ(fs::file_size(path + ".1"), 151u);
  EXPECT_EQ(fs::file_size(path), 10u);
}

TEST(AppendFile, ReopensAFullFileByRotatingFirst) {
  TempDirForTesting dir;
  const std::string path = dir.path() + "/j.jsonl";
  {
    AppendFile file(path, 100, 2, 0600);
    ASSERT_TRUE(file.append(std::string(89, 'a') + "\n").ok());
  }
  AppendFile again(path, 100, 2, 0600);  // a restarted daemon
  ASSERT_TRUE(again.append(std::string(19, 'b') + "\n").ok());
  EXPECT_EQ(std::filesystem::file_size(path), 20u);
  EXPECT_EQ(std::filesystem::file_size(path + ".1"), 90u);
}

}  // namespace
}  // namespace zccache::daemon
