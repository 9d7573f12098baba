#include "zccache/fscache/metadata_cache.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "zccache/hash/hasher.h"

namespace zccache::fscache {
namespace {

class MetadataCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_fscache_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  // Moves the file's timestamps into the past so the cache may memoize it.
  void age(const std::string& path) {
    struct timespec times[2] = {{1000000, 0}, {1000000, 0}};
    utimensat(AT_FDCWD, path.c_str(), times, 0);
    usleep(120000);  // ctime still moves on utimensat; let the racy window pass
  }
  std::string dir_;
};

TEST(ScanContent, FindsTimeMacrosAndHasInclude) {
  auto f = scan_content("#if __has_include(<foo/bar.h>)\n#endif\n#if __has_include_next(\"q.h\")\nx __TIME__");
  EXPECT_TRUE(f.uses_time_macros);
  ASSERT_EQ(f.has_include_names.size(), 2u);
  EXPECT_EQ(f.has_include_names[0], "foo/bar.h");
  EXPECT_EQ(f.has_include_names[1], "q.h");
  EXPECT_FALSE(scan_content("int main(){}").uses_time_macros);
  EXPECT_TRUE(scan_content("__DATE__").uses_time_macros);
  EXPECT_TRUE(scan_content("__TIMESTAMP__").uses_time_macros);
  EXPECT_TRUE(scan_content("__has_include(MACRO)").has_include_names.empty());
}

TEST(ScanContent, TimeMacrosCountOnlyInCode) {
  // Mentioned, not used: a header that names them in a comment or a string is cacheable.
  EXPECT_FALSE(scan_content("// stamps __DATE__ into the binary\nint x;\n").uses_time_macros);
  EXPECT_FALSE(scan_content("/* __TIME__ and\n __TIMESTAMP__ */ int x;").uses_time_macros);
  EXPECT_FALSE(scan_content("const char* s = \"__DATE__\";").uses_time_macros);
  EXPECT_FALSE(scan_content("const char* s = \"a \\\" __DATE__\";").uses_time_macros) << "escaped quote";
  EXPECT_FALSE(scan_content("char q = '\"'; // __DATE__\n").uses_time_macros);
  EXPECT_FALSE(scan_content("int __DATE__X; int Y__TIME__;").uses_time_macros) << "other identifiers";
  // Used: in code, after anything that ends a comment or a literal.
  EXPECT_TRUE(scan_content("// note\nconst char* d = __DATE__;").uses_time_macros);
  EXPECT_TRUE(scan_content("/* a */ __TIME__").uses_time_macros);
  EXPECT_TRUE(scan_content("#define STAMP __DATE__ \" \" __TIME__\n").uses_time_macros);
  EXPECT_TRUE(scan_content("const char* s = \"x\"; const char* d = __DATE__;").uses_time_macros);
  EXPECT_TRUE(scan_content("int n = 1'000'000; const char* d = __DATE__; int m = 2'0;").uses_time_macros)
      << "digit separators are not character literals";
  EXPECT_TRUE(scan_content("char c = 'x'; auto t = __TIMESTAMP__;").uses_time_macros);
  EXPECT_TRUE(scan_content("#error don't\nauto t = __TIME__;").uses_time_macros) << "a stray quote ends at its line";
  EXPECT_TRUE(scan_content("auto l = L\"x\"; auto u = u8'y'; auto t = __TIME__;").uses_time_macros);
  EXPECT_TRUE(scan_content("// continued \\\n comment\n__DATE__").uses_time_macros);
  EXPECT_FALSE(scan_content("// continued \\\n __DATE__ still in the comment\n").uses_time_macros);
  // Where the text is unusual, they count: raw strings, trigraphs.
  EXPECT_TRUE(scan_content("auto r = R\"x(a\"b)x\"; auto d = __DATE__;").uses_time_macros);
  EXPECT_TRUE(scan_content("auto r = R\"(\"__DATE__)\";").uses_time_macros);
  EXPECT_TRUE(scan_content("const char* s = \"?" "?/\"\"; __DATE__").uses_time_macros);  // a trigraph
}

TEST_F(MetadataCacheTest, DigestMatchesContent) {
  MetadataCache cache;
  auto path = write("a.h", "int a;");
  auto f = cache.facts(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->digest, hash::hash_bytes("int a;"));
}

TEST_F(MetadataCacheTest, DigestOnlyReadsInPiecesToTheSameDigest) {
  MetadataCache cache;
  std::string big;
  for (int i = 0; big.size() < 700000; ++i) big += "line " + std::to_string(i) + "\n";  // several pieces
  auto path = write("big.so", big);
  age(path);
  auto d = cache.digest(path);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, hash::hash_bytes(big));
  uint64_t hashed = cache.hashed_bytes_for_testing();
  ASSERT_TRUE(cache.digest(path).ok());
  EXPECT_EQ(cache.hashed_bytes_for_testing(), hashed) << "the second digest comes from the memo";
  EXPECT_FALSE(cache.digest(dir_ + "/missing").ok());
}

TEST_F(MetadataCacheTest, ADigestOnlyEntryNeverStandsInForTheFacts) {
  // A file first asked for its digest (as a compiler library) and then included: its facts must
  // come from a scan, or a header that uses __DATE__ would be cached as if it did not.
  MetadataCache cache;
  auto path = write("stamp.h", "const char* d = __DATE__;\n#if __has_include(<x.h>)\n#endif\n");
  age(path);
  ASSERT_TRUE(cache.digest(path).ok());
  auto f = cache.facts(path);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->uses_time_macros);
  ASSERT_EQ(f->has_include_names.size(), 1u);
  EXPECT_EQ(f->has_include_names[0], "x.h");
  uint64_t hashed = cache.hashed_bytes_for_testing();
  auto d = cache.digest(path);  // the scanned entry serves a digest too
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, f->digest);
  EXPECT_EQ(cache.hashed_bytes_for_testing(), hashed);
}

TEST_F(MetadataCacheTest, AProvenDigestCarriesOverToAnotherCacheWhileTheSignatureHolds) {
  // What a daemon saves for the next one (daemon/saved_probe.h): the next answers it unread.
  auto path = write("libtool.so", "the library");
  age(path);
  MetadataCache first;
  ASSERT_TRUE(first.digest(path).ok());
  auto proven = first.proven_digest(path);
  ASSERT_TRUE(proven);
  EXPECT_EQ(proven->second, hash::hash_bytes("the library"));

  MetadataCache next;
  hash::Digest planted = hash::hash_bytes("what the earlier daemon read");  // tells the answers apart
  next.adopt_digest(path, proven->first, planted);
  auto d = next.digest(path);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, planted) << "the signature holds: the saved digest stands";
  EXPECT_EQ(next.hashed_bytes_for_testing(), 0u);

  MetadataCache after_change;
  write("libtool.so", "the librarz");  // same size; mtime and ctime move
  after_change.adopt_digest(path, proven->first, planted);
  d = after_change.digest(path);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, hash::hash_bytes("the librarz")) << "a changed file is read again";
}

TEST_F(MetadataCacheTest, AFreshlyWrittenFileHasNoProvenDigest) {
  MetadataCache cache;
  auto path = write("new.so", "just written");
  ASSERT_TRUE(cache.digest(path).ok());
  EXPECT_FALSE(cache.proven_digest(path)) << "hashed inside the racy window: nothing to save";
  EXPECT_FALSE(cache.proven_digest(dir_ + "/never-seen"));
}

TEST_F(MetadataCacheTest, AnAdoptedDigestNeverReplacesAnEntryOfItsOwn) {
  MetadataCache cache;
  auto path = write("own.so", "own content");
  age(path);
  ASSERT_TRUE(cache.digest(path).ok());
  auto proven = cache.proven_digest(path);
  ASSERT_TRUE(proven);
  cache.adopt_digest(path, proven->first, hash::hash_bytes("other"));
  auto d = cache.digest(path);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, hash::hash_bytes("own content"));
}

TEST_F(MetadataCacheTest, MemoizesOldFilesAndRehashesOnChange) {
  MetadataCache cache;
  auto path = write("a.h", "int a;");
  age(path);
  ASSERT_TRUE(cache.facts(path).ok());
  uint64_t hashed = cache.hashed_bytes_for_testing();
  ASSERT_TRUE(cache.facts(path).ok());
  EXPECT_EQ(cache.hashed_bytes_for_testing(), hashed) << "second lookup must come from the memo";
  write("a.h", "int b;");  // same size, new content
  auto f = cache.facts(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->digest, hash::hash_bytes("int b;"));
}

TEST_F(MetadataCacheTest, DoesNotMemoizeFreshFiles) {
  MetadataCache cache;
  auto path = write("fresh.h", "x");
  ASSERT_TRUE(cache.facts(path).ok());
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(MetadataCacheTest, RestoredMtimeStillDetected) {
  MetadataCache cache;
  auto path = write("a.h", "int a;");
  age(path);
  ASSERT_TRUE(cache.facts(path).ok());
  write("a.h", "int c;");
  struct timespec times[2] = {{1000000, 0}, {1000000, 0}};
  utimensat(AT_FDCWD, path.c_str(), times, 0);  // touch -d: same size, same mtime; ctime moved
  auto f = cache.facts(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->digest, hash::hash_bytes("int c;"));
}

TEST_F(MetadataCacheTest, LookupWithoutReadingGivesTheSignatureOnly) {
  std::string path = write("a.h", "int a;");
  age(path);
  MetadataCache cache;
  auto first = cache.lookup(path, std::nullopt);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->facts) << "an unknown file is not read";
  EXPECT_EQ(cache.hashed_bytes_for_testing(), 0u);
  auto st = os::stat_path(path);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(first->info, *st);
  ASSERT_TRUE(cache.facts(path).ok());
  auto second = cache.lookup(path, std::nullopt);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->facts);
  EXPECT_EQ(second->facts->digest, hash::hash_bytes("int a;"));
  EXPECT_EQ(second->info, *st);
  { std::ofstream(path) << "int b;"; }
  auto third = cache.lookup(path, std::nullopt);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->facts) << "a changed signature is not vouched for";
  EXPECT_FALSE(cache.lookup(path, 5)->facts) << "larger than the limit: not read";
  EXPECT_EQ(cache.lookup(path, 6)->facts->digest, hash::hash_bytes("int b;"));
}

TEST_F(MetadataCacheTest, MissingFileIsNotFound) {
  MetadataCache cache;
  auto f = cache.facts(dir_ + "/nope.h");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace zccache::fscache

namespace zccache::fscache {
namespace {

// A temp dir and a cache with an inotify watcher: entries are trusted without a stat.
class MetadataCacheWatched : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zccache_fscache_watch_XXXXXX";
    dir_ = mkdtemp(tmpl);
    watcher_ = watcher::make_inotify_watcher();
    ASSERT_NE(watcher_, nullptr);
    cache_ = std::make_unique<MetadataCache>(watcher_.get());
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
  std::unique_ptr<watcher::Watcher> watcher_;
  std::unique_ptr<MetadataCache> cache_;
};

// Every edit must still be seen once the queue is drained, including same-size rewrites within
// one clock tick.
TEST_F(MetadataCacheWatched, EveryEditIsSeenAfterDrain) {
  std::string path = dir_ + "/h.h";
  for (int i = 0; i < 300; ++i) {
    std::string content = "#define V " + std::to_string(100 + i % 800) + "\n";  // same size every time
    { std::ofstream(path) << content; }
    watcher_->drain();
    auto f = cache_->facts(path);
    ASSERT_TRUE(f.ok());
    ASSERT_EQ(f->digest, hash::hash_bytes(content)) << "stale digest at round " << i;
    auto again = cache_->facts(path);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->digest, hash::hash_bytes(content));
  }
}

TEST_F(MetadataCacheWatched, ADigestOnlyEntryNeverStandsInForTheFacts) {
  std::string path = dir_ + "/stamp.h";
  { std::ofstream(path) << "const char* t = __TIME__;\n"; }
  watcher_->drain();
  ASSERT_TRUE(cache_->digest(path).ok());
  watcher_->drain();
  auto f = cache_->facts(path);  // the watched entry is trusted without a stat: it must not be this one
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->uses_time_macros);
}

TEST_F(MetadataCacheWatched, TrustedEntryNeedsNoRehash) {
  std::string path = dir_ + "/fresh.h";
  { std::ofstream(path) << "int x;"; }
  watcher_->drain();
  ASSERT_TRUE(cache_->facts(path).ok());
  uint64_t hashed = cache_->hashed_bytes_for_testing();
  watcher_->drain();
  ASSERT_TRUE(cache_->facts(path).ok());
  EXPECT_EQ(cache_->hashed_bytes_for_testing(), hashed) << "a fresh but watched file is memoized";
  { std::ofstream(path) << "int y;"; }
  watcher_->drain();
  auto f = cache_->facts(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->digest, hash::hash_bytes("int y;"));
}

}  // namespace
}  // namespace zccache::fscache
