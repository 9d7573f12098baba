// Cache management: the size limit (ZCCACHE_MAX_SIZE, `zccache config max-size`) and LRU
// eviction, `zccache clear`, `zccache stats --zero`, and statistics across daemon restarts.
#include <filesystem>
#include <string>
#include <thread>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class CacheManagement : public CompilerTest {
 protected:
  // A distinct tiny translation unit per n.
  void write_source(int n) {
    sb().write("s" + std::to_string(n) + ".c", "int f" + std::to_string(n) + "(int x) { return x * " +
                                                  std::to_string(n) + " + 7; }\n");
  }
  Args args_for(int n) { return {"-c", "s" + std::to_string(n) + ".c", "-o", "s" + std::to_string(n) + ".o"}; }
  // Compiles source n through zccache only; expects success.
  void compile(int n) {
    CompileResult c = cached(args_for(n), {"s" + std::to_string(n) + ".o"});
    ASSERT_EQ(c.run.exit_code, 0) << c.run.describe();
  }
  uint64_t field(const char* name) {
    nlohmann::json j = sb().status_json();
    return j.is_object() && j[name].is_number_unsigned() ? j[name].get<uint64_t>() : 0;
  }
  size_t blob_files() {
    size_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(sb().cache_dir() + "/artifacts", ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) ++n;
    }
    return n;
  }
};

TEST_P(CacheManagement, ConfigCommandPersistsAndPrintsTheLimit) {
  RunResult shown = sb().zccache({"config"});
  ASSERT_EQ(shown.exit_code, 0) << shown.describe();
  EXPECT_NE(shown.out.find("max-size = 5G (default)"), std::string::npos) << shown.out;
  ASSERT_EQ(sb().zccache({"config", "max-size", "1.5G"}).exit_code, 0);
  EXPECT_EQ(sb().zccache({"config", "max-size"}).out, "1536M\n");
  EXPECT_NE(sb().read(sb().cache_dir() + "/config").value_or("").find("max-size = 1536M"), std::string::npos);
  RunOptions env;
  env.env["ZCCACHE_MAX_SIZE"] = "500M";
  EXPECT_EQ(sb().zccache({"config", "max-size"}, env).out, "500M\n") << "the environment overrides the file";
  EXPECT_NE(sb().zccache({"config"}, env).out.find("(environment)"), std::string::npos);

  RunResult bad = sb().zccache({"config", "max-size", "lots"});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_NE(bad.err.find("not a size: 'lots'"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << "one line: " << bad.err;
  EXPECT_EQ(sb().zccache({"config", "max-size"}).out, "1536M\n") << "a rejected value changed the file";
  EXPECT_EQ(sb().zccache({"config", "colour"}).exit_code, 2);
}

TEST_P(CacheManagement, MalformedEnvironmentSizeIsReportedAndNeverBreaksACompile) {
  RunOptions env;
  env.env["ZCCACHE_MAX_SIZE"] = "10Q";
  RunResult start = sb().zccache({"start"}, env);
  EXPECT_EQ(start.exit_code, 1) << start.describe();
  EXPECT_NE(start.err.find("ZCCACHE_MAX_SIZE"), std::string::npos) << start.err;
  EXPECT_EQ(std::count(start.err.begin(), start.err.end(), '\n'), 1) << "one line: " << start.err;
  sb().write("a.c", kHelloC);
  // A compile starts the daemon anyway; it ignores the bad value and uses the default.
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"}, env);
  EXPECT_EQ(field("max_size_bytes"), 5ull << 30);
}

TEST_P(CacheManagement, DaemonTakesTheLimitFromItsEnvironmentOverTheFile) {
  ASSERT_EQ(sb().zccache({"config", "max-size", "10G"}).exit_code, 0);
  RunOptions env;
  env.env["ZCCACHE_MAX_SIZE"] = "300K";
  ASSERT_EQ(sb().zccache({"start"}, env).exit_code, 0);
  EXPECT_EQ(field("max_size_bytes"), 300u << 10);
}

// Many small results under a limit that holds about half of them, one of them used all along.
TEST_P(CacheManagement, EvictionKeepsTheCacheUnderTheLimitAndDropsLeastRecentlyUsedFirst) {
  constexpr uint64_t kLimit = 200 << 10;
  constexpr int kSources = 40;
  ASSERT_EQ(sb().zccache({"config", "max-size", std::to_string(kLimit)}).exit_code, 0);
  for (int i = 0; i < kSources; ++i) write_source(i);
  // 0 is the hot one, stored first; 1 is the oldest never used again.
  for (int i = 0; i < kSources; ++i) {
    compile(i);
    ASSERT_TRUE(sb().wait_for_stored(static_cast<uint64_t>(i + 1))) << sb().counters().describe();
    if (i % 4 == 0) compile(0);  // a hit (or, right after the first store, a hit too)
  }
  ASSERT_TRUE(sb().wait_until([&](const Counters& c) { return c.size_bytes <= kLimit; }, 20s))
      << sb().status_json().dump();
  nlohmann::json j = sb().status_json();
  EXPECT_GT(j["evictions"].get<uint64_t>(), 0u) << j.dump();
  EXPECT_EQ(j["max_size_bytes"].get<uint64_t>(), kLimit);
  EXPECT_LT(j["entries"].get<uint64_t>(), static_cast<uint64_t>(kSources)) << j.dump();
  EXPECT_GT(j["entries"].get<uint64_t>(), 0u) << j.dump();
  EXPECT_EQ(j["errors"].get<uint64_t>(), 0u) << "an eviction broke a lookup: " << j.dump();
  // Each source missed once: the hot one, used every few compiles, was never evicted.
  EXPECT_EQ(j["misses"].get<uint64_t>(), static_cast<uint64_t>(kSources)) << j.dump();
  // The hot result survived every pass; the oldest unused one did not. Both compile correctly.
  expect_hit(args_for(0), {"s0.o"});
  expect_miss(args_for(1), {"s1.o"});
}

TEST_P(CacheManagement, LoweringTheLimitEvictsWithoutARestart) {
  for (int i = 0; i < 5; ++i) {
    write_source(i);
    expect_miss(args_for(i), {"s" + std::to_string(i) + ".o"});
  }
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_GT(blob_files(), 0u);
  // Below what the index alone takes: every result goes.
  ASSERT_EQ(sb().zccache({"config", "max-size", "1K"}).exit_code, 0);
  ASSERT_TRUE(sb().wait_until([](const Counters& c) { return c.entries == 0; }, 20s)) << sb().status_json().dump();
  // The pass counts its evictions when it returns, just after the index shows them gone.
  for (int i = 0; i < 100 && field("evictions") < 5u; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(field("evictions"), 5u);
  EXPECT_EQ(blob_files(), 0u) << "evicted results left their blobs behind";
  EXPECT_EQ(sb().status_pid(), pid) << "the daemon restarted";
  expect_miss(args_for(2), {"s2.o"});
}

TEST_P(CacheManagement, ClearRemovesEveryEntryAndResetsStatistics) {
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  ASSERT_GT(blob_files(), 0u);
  RunResult clear = sb().zccache({"clear"});
  ASSERT_EQ(clear.exit_code, 0) << clear.describe();
  Counters c = sb().counters();
  EXPECT_EQ(c.entries, 0u) << c.describe();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  EXPECT_EQ(c.stored, 0u) << c.describe();
  EXPECT_EQ(blob_files(), 0u);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(CacheManagement, StatsZeroResetsCountersAndKeepsEntries) {
  sb().write("a.c", kHelloC);
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  RunResult zero = sb().zccache({"stats", "--zero"});
  ASSERT_EQ(zero.exit_code, 0) << zero.describe();
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.misses, 0u) << c.describe();
  EXPECT_EQ(c.stored, 0u) << c.describe();
  EXPECT_EQ(c.entries, 1u) << c.describe();
  expect_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  EXPECT_EQ(sb().zccache({"stats", "--bogus"}).exit_code, 2);
}

TEST_P(CacheManagement, StatisticsSurviveADaemonRestart) {
  sb().write("a.c", kHelloC);
  sb().write("b.c", "int b(void) { return 2; }\n");
  miss_then_hit({"-c", "a.c", "-o", "a.o"}, {"a.o"});
  compile_both({"-E", "b.c"}, {});
  Counters before = sb().counters();
  std::optional<pid_t> pid = sb().status_pid();
  ASSERT_TRUE(pid);
  ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);
  ASSERT_TRUE(wait_for_exit(*pid));
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  Counters after = sb().counters();
  EXPECT_NE(sb().status_pid(), pid);
  EXPECT_EQ(after.hits, 1u) << after.describe();
  EXPECT_EQ(after.misses, before.misses) << after.describe();
  EXPECT_EQ(after.stored, before.stored) << after.describe();
  EXPECT_EQ(after.passthrough, before.passthrough) << after.describe();
}

ZCCACHE_FOR_EACH_COMPILER(CacheManagement);

}  // namespace
}  // namespace zccache::e2e
