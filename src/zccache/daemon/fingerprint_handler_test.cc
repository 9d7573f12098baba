#include "zccache/daemon/fingerprint_handler.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "zccache/base/version.h"
#include "zccache/fp/file_set.h"
#include "zccache/fp/fingerprint.h"
#include "zccache/hash/hasher.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::daemon {
namespace {

using testing::TempDirForTesting;

class FingerprintHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    ASSERT_NE(watcher_, nullptr);
  }
  void write(const std::string& rel, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(dir_.file(rel)).parent_path());
    testing::write_file_for_testing(dir_.file(rel), content);
  }
  protocol::FingerprintRequest request(std::vector<std::string> inc, std::vector<std::string> exc, bool hash_unknown) {
    protocol::FingerprintRequest r;
    r.client_version = kVersion;
    r.root = dir_.path();
    r.includes = std::move(inc);
    r.excludes = std::move(exc);
    r.hash_unknown = hash_unknown;
    return r;
  }
  protocol::FingerprintReply reply_of(FingerprintAnswer& a) {
    auto* err = std::get_if<protocol::ErrorReply>(&a.reply);
    EXPECT_EQ(err, nullptr) << err->message;
    auto* r = std::get_if<protocol::FingerprintReply>(&a.reply);
    return r ? *r : protocol::FingerprintReply{};
  }
  std::vector<std::string> local_paths(const protocol::FingerprintRequest& r) {
    auto files = fp::scan_files(file_set_spec(r));
    EXPECT_TRUE(files.ok());
    std::vector<std::string> paths;
    for (const auto& f : *files) paths.push_back(f.path);
    return paths;
  }

  TempDirForTesting dir_;
  std::unique_ptr<watcher::Watcher> watcher_ = watcher::make_inotify_watcher();
  fscache::MetadataCache files_{watcher_.get()};
  fscache::DirectoryCache listings_{watcher_.get()};
  FingerprintHandler handler_{files_, listings_, watcher_.get()};
  std::atomic<bool> stop_{false};
};

TEST_F(FingerprintHandlerTest, SelectsWhatTheLocalWalkSelects) {
  for (const char* f : {"a.proto", "b.txt", "src/x.proto", "src/deep/y.proto", "src/deep/z.txt", "build/out.proto",
                        "build/sub/o.proto", ".hidden/h.proto", ".fp/state", ".fp/.state.tmp.1"}) {
    write(f, f);
  }
  ASSERT_EQ(::symlink("a.proto", dir_.file("link.proto").c_str()), 0);
  ASSERT_EQ(::symlink(dir_.path().c_str(), dir_.file("src/loop").c_str()), 0);
  ASSERT_EQ(::symlink("missing", dir_.file("dangling.proto").c_str()), 0);
  ASSERT_EQ(::mkfifo(dir_.file("src/pipe.proto").c_str(), 0600), 0);
  struct Case {
    std::vector<std::string> inc, exc;
  };
  for (const Case& c : std::vector<Case>{{{}, {}},
                                         {{"**/*.proto"}, {"build/**", ".hidden"}},
                                         {{"src"}, {"**/*.txt"}},
                                         {{"*.txt", "src/deep/*"}, {}},
                                         {{"*.proto", "src/**"}, {}}}) {
    for (bool hash_unknown : {false, true}) {
      auto req = request(c.inc, c.exc, hash_unknown);
      req.skip_file = ".fp/state";
      req.skip_temp_prefix = ".fp/.state.tmp.";
      auto answer = handler_.answer(req);
      auto reply = reply_of(answer);
      EXPECT_EQ(reply.paths, local_paths(req)) << ::testing::PrintToString(c.inc) << ::testing::PrintToString(c.exc);
    }
  }
}

TEST_F(FingerprintHandlerTest, StatFactsAndDigestsAreTheLocalOnes) {
  write("a", "alpha");
  write("d/b", "beta");
  auto answer = handler_.answer(request({}, {}, /*hash_unknown=*/true));
  auto reply = reply_of(answer);
  ASSERT_EQ(reply.paths, (std::vector<std::string>{"a", "d/b"}));
  EXPECT_EQ(reply.known, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(reply.digests.substr(0, 16), hash::hash_bytes("alpha").raw());
  EXPECT_EQ(reply.digests.substr(16, 16), hash::hash_bytes("beta").raw());
  EXPECT_TRUE(answer.to_hash.empty());
  auto st = os::stat_path(dir_.file("d/b"));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(reply.sizes[1], st->size);
  EXPECT_EQ(reply.mtimes_ns[1], st->mtime_ns);
  EXPECT_EQ(reply.ctimes_ns[1], st->ctime_ns);
  EXPECT_EQ(reply.inodes[1], st->ino);
}

TEST_F(FingerprintHandlerTest, UnknownFilesAreHashedAfterTheReply) {
  write("a", "alpha");
  write("d/b", "beta");
  auto first = handler_.answer(request({}, {}, /*hash_unknown=*/false));
  auto reply = reply_of(first);
  EXPECT_EQ(reply.known, (std::vector<uint8_t>{0, 0})) << "nothing read before the reply";
  EXPECT_EQ(reply.digests, std::string(32, '\0'));
  EXPECT_EQ(files_.hashed_bytes_for_testing(), 0u);
  EXPECT_EQ(first.to_hash, (std::vector<std::string>{dir_.file("a"), dir_.file("d/b")}));
  std::atomic<bool> stopping{true};
  handler_.warm(first.to_hash, stopping);
  EXPECT_EQ(files_.hashed_bytes_for_testing(), 0u) << "a stopping daemon does not warm";
  handler_.warm(first.to_hash, stop_);
  auto second = handler_.answer(request({}, {}, false));
  reply = reply_of(second);
  EXPECT_EQ(reply.known, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(reply.digests.substr(16, 16), hash::hash_bytes("beta").raw());
  EXPECT_TRUE(second.to_hash.empty());
}

TEST_F(FingerprintHandlerTest, WatchedTreeIsAnsweredWithoutReadingAndEditsAreSeen) {
  write("a", "alpha");
  write("d/b", "beta");
  auto first = handler_.answer(request({}, {}, true));
  uint64_t hashed = files_.hashed_bytes_for_testing();
  auto again = handler_.answer(request({}, {}, false));
  EXPECT_EQ(files_.hashed_bytes_for_testing(), hashed) << "an unchanged watched tree is not read again";
  EXPECT_EQ(reply_of(again), reply_of(first));

  // Same size, mtime put back: only the watcher (and ctime) can tell. No drain by the test: the
  // handler must drain before it answers.
  struct stat before;
  ASSERT_EQ(::stat(dir_.file("d/b").c_str(), &before), 0);
  write("d/b", "BETA");
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir_.file("d/b").c_str(), times, 0), 0);
  write("d/c", "new");
  ::unlink(dir_.file("a").c_str());
  auto after = handler_.answer(request({}, {}, false));
  auto reply = reply_of(after);
  ASSERT_EQ(reply.paths, (std::vector<std::string>{"d/b", "d/c"}));
  EXPECT_EQ(reply.known, (std::vector<uint8_t>{0, 0})) << "the edited file's old digest was served";
  EXPECT_EQ(after.to_hash, (std::vector<std::string>{dir_.file("d/b"), dir_.file("d/c")}));
  handler_.warm(after.to_hash, stop_);
  reply = reply_of(after = handler_.answer(request({}, {}, false)));
  EXPECT_EQ(reply.known, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(reply.digests.substr(0, 16), hash::hash_bytes("BETA").raw());
}

// The digest zccache-fp computes over the records it keeps (fp::records_digest).
std::string digest_of(const protocol::FingerprintReply& r) {
  fp::RecordsDigest d;
  for (size_t i = 0; i < r.paths.size(); ++i) {
    d.add(r.paths[i], r.sizes[i], r.mtimes_ns[i], r.ctimes_ns[i], r.inodes[i],
          *hash::Digest::from_raw(r.digests.substr(16 * i, 16)));
  }
  return std::string(d.finish().raw());
}

TEST_F(FingerprintHandlerTest, UnchangedListIsAnsweredShortUntilADirectoryChanges) {
  write("a", "alpha");
  write("d/b", "beta");
  write("d/e/c", "gamma");
  auto first = handler_.answer(request({}, {}, true));
  auto full = reply_of(first);
  auto req = request({}, {}, false);
  req.known_records = digest_of(full);
  for (int i = 0; i < 2; ++i) {  // from the walk, then from the memo
    auto same = handler_.answer(req);
    auto reply = reply_of(same);
    EXPECT_TRUE(reply.unchanged) << i;
    EXPECT_TRUE(reply.paths.empty());
  }
  req.known_records = std::string(16, 'x');  // the caller recorded something else
  EXPECT_FALSE(reply_of(first = handler_.answer(req)).unchanged);

  // Same size and mtime, two directories down: the memo must notice the deepest directory.
  req.known_records = digest_of(full);
  struct stat before;
  ASSERT_EQ(::stat(dir_.file("d/e/c").c_str(), &before), 0);
  write("d/e/c", "GAMMA");
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir_.file("d/e/c").c_str(), times, 0), 0);
  auto after = handler_.answer(req);
  auto reply = reply_of(after);
  EXPECT_FALSE(reply.unchanged);
  EXPECT_EQ(reply.paths, (std::vector<std::string>{"a", "d/b", "d/e/c"}));
  handler_.warm(after.to_hash, stop_);
  req.known_records = digest_of(reply_of(after = handler_.answer(req)));
  EXPECT_TRUE(reply_of(after = handler_.answer(req)).unchanged);
  write("d/new", "");
  EXPECT_FALSE(reply_of(after = handler_.answer(req)).unchanged) << "a file added";
}

TEST_F(FingerprintHandlerTest, LargeFilesAreLeftToTheClient) {
  write("big", std::string(FingerprintHandler::kMaxHashBytes + 1, 'x'));
  write("small", "s");
  auto answer = handler_.answer(request({}, {}, true));
  auto reply = reply_of(answer);
  EXPECT_EQ(reply.known, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(reply.sizes[0], FingerprintHandler::kMaxHashBytes + 1);
  answer = handler_.answer(request({}, {}, false));
  EXPECT_TRUE(answer.to_hash.empty()) << "never read by the daemon";
}

TEST_F(FingerprintHandlerTest, ErrorsAreErrorReplies) {
  auto req = request({}, {}, false);
  req.client_version = "0.0.1";
  EXPECT_TRUE(std::holds_alternative<protocol::ErrorReply>(handler_.answer(req).reply));
  req = request({}, {}, false);
  req.root = dir_.file("missing");
  EXPECT_TRUE(std::holds_alternative<protocol::ErrorReply>(handler_.answer(req).reply));
  req.root = "relative";
  EXPECT_TRUE(std::holds_alternative<protocol::ErrorReply>(handler_.answer(req).reply));
}

}  // namespace
}  // namespace zccache::daemon
