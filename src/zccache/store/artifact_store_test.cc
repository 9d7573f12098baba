#include "zccache/store/artifact_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <fstream>

#include "zccache/hash/hasher.h"
#include "zccache/testing/names_created.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::store {
namespace {

using testing::TempDirForTesting;
using testing::list_dir_for_testing;
using testing::read_file_for_testing;
using testing::write_file_for_testing;

mode_t mode_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Content larger than the copy buffer, so streaming crosses several chunks.
std::string big_content() {
  std::string data(300 * 1024 + 5, '\0');
  uint32_t x = 12345;
  for (char& c : data) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 16);
  }
  return data;
}

void flip_byte(const std::string& path, off_t offset) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c;
  ASSERT_EQ(::pread(fd, &c, 1, offset), 1);
  c = static_cast<char>(c ^ 0x5a);
  ASSERT_EQ(::pwrite(fd, &c, 1, offset), 1);
  ::close(fd);
}

// Changes one byte in place and puts the mtime back (what `strip -p` does to a file with several
// links): only the ctime shows it.
void rewrite_keeping_mtime(const std::string& path) {
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  flip_byte(path, 10);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

class ArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  std::string root() const { return dir_.file("artifacts"); }

  // A delivery after the blob was written through an output: the right bytes (re-verified), or
  // kCorrupt with the blob gone; never the written ones.
  void expect_never_served_written(const Status& s, const std::string& dest, const std::string& content,
                                   const hash::Digest& digest) {
    if (s.ok()) {
      EXPECT_EQ(read_file_for_testing(dest), content) << "served bytes written through a hardlink";
    } else {
      EXPECT_EQ(s.error().code, ErrorCode::kCorrupt);
      EXPECT_FALSE(store_.contains(digest));
    }
  }

  // Stores `content`, delivers it to `dest` and backdates the output (one from long ago). The
  // blob's inode, or 0 when the delivery reflinked (then the output has an inode of its own).
  void deliver_backdated(const std::string& content, const std::string& dest, hash::Digest* digest, ino_t* blob_ino) {
    auto put = store_.put_bytes(content);
    ASSERT_TRUE(put.ok());
    *digest = *put;
    ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
    struct stat blob_st, dest_st;
    ASSERT_EQ(::stat(store_.path_of(*digest).c_str(), &blob_st), 0);
    ASSERT_EQ(::stat(dest.c_str(), &dest_st), 0);
    *blob_ino = dest_st.st_ino == blob_st.st_ino ? blob_st.st_ino : 0;
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, dest.c_str(), old, 0), 0);
  }

  TempDirForTesting dir_;
  ArtifactStore store_{dir_.file("artifacts")};
};

TEST_F(ArtifactStoreTest, PutBytesThenReadRoundTrips) {
  auto digest = store_.put_bytes("int main() {}");
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  EXPECT_EQ(*digest, hash::hash_bytes("int main() {}"));
  EXPECT_TRUE(store_.contains(*digest));
  auto data = store_.read(*digest);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, "int main() {}");
}

TEST_F(ArtifactStoreTest, BlobPathIsShardedByTwoHexDigits) {
  hash::Digest d = hash::hash_bytes("x");
  std::string hex = d.hex();
  EXPECT_EQ(store_.path_of(d), root() + "/" + hex.substr(0, 2) + "/" + hex.substr(2));
  ASSERT_TRUE(store_.put_bytes("x").ok());
  EXPECT_EQ(read_file_for_testing(store_.path_of(d)), "x");
}

TEST_F(ArtifactStoreTest, PutFileRoundTripsLargeContentAndReportsSize) {
  std::string content = big_content();
  std::string src = dir_.file("src.o");
  write_file_for_testing(src, content);
  uint64_t size = 0;
  auto digest = store_.put_file(src, &size);
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  EXPECT_EQ(size, content.size());
  EXPECT_EQ(*digest, hash::hash_bytes(content));
  auto data = store_.read(*digest);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, content);
  // No temporary is left in the root.
  for (const std::string& name : list_dir_for_testing(root())) EXPECT_EQ(name.size(), 2u) << name;
}

TEST_F(ArtifactStoreTest, EmptyContentIsABlobToo) {
  std::string src = dir_.file("empty");
  write_file_for_testing(src, "");
  uint64_t size = 99;
  auto digest = store_.put_file(src, &size);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(size, 0u);
  auto data = store_.read(*digest);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "");
}

TEST_F(ArtifactStoreTest, PutFileOfMissingSourceFails) {
  uint64_t size = 0;
  auto digest = store_.put_file(dir_.file("nope"), &size);
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.error().code, ErrorCode::kNotFound);
}

TEST_F(ArtifactStoreTest, SameContentTwiceGivesSameDigestAndOneFile) {
  std::string src = dir_.file("a.o");
  write_file_for_testing(src, "same bytes");
  uint64_t size = 0;
  auto first = store_.put_file(src, &size);
  auto second = store_.put_file(src, &size);
  auto third = store_.put_bytes("same bytes");
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(*first, *third);
  std::vector<std::string> shards = list_dir_for_testing(root());
  ASSERT_EQ(shards.size(), 1u);  // one shard directory, no temporaries
  EXPECT_EQ(list_dir_for_testing(root() + "/" + shards[0]).size(), 1u);
}

TEST_F(ArtifactStoreTest, DeliverWritesContentWithExactMode) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string dest = dir_.file("out.o");
  ASSERT_TRUE(store_.deliver(*digest, dest, 0640).ok());
  EXPECT_EQ(read_file_for_testing(dest), content);
  EXPECT_EQ(mode_of(dest), 0640u);

  std::string exe = dir_.file("a.out");
  ASSERT_TRUE(store_.deliver(*digest, exe, 0777).ok());  // not reduced by the umask
  EXPECT_EQ(mode_of(exe), 0777u);
  EXPECT_EQ(list_dir_for_testing(dir_.path()), (std::vector<std::string>{"a.out", "artifacts", "out.o"}));
}

TEST_F(ArtifactStoreTest, DeliverReplacesExistingFile) {
  std::string dest = dir_.file("out.o");
  write_file_for_testing(dest, "an older and longer object file");
  ASSERT_EQ(::chmod(dest.c_str(), 0600), 0);
  struct stat before;
  ASSERT_EQ(::stat(dest.c_str(), &before), 0);
  auto digest = store_.put_bytes("new object");
  ASSERT_TRUE(digest.ok());
  ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
  EXPECT_EQ(read_file_for_testing(dest), "new object");
  EXPECT_EQ(mode_of(dest), 0644u);
  struct stat after;
  ASSERT_EQ(::stat(dest.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);  // a new inode: readers of the old file are undisturbed
}

TEST_F(ArtifactStoreTest, CorruptBlobIsReportedRemovedAndDestUntouched) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  flip_byte(store_.path_of(*digest), 200 * 1024);
  std::string dest = dir_.file("out.o");
  write_file_for_testing(dest, "previous build");

  Status s = store_.deliver(*digest, dest, 0644);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(s.error().message.find(digest->hex().substr(2)), std::string::npos) << s.error().message;
  EXPECT_FALSE(store_.contains(*digest));
  EXPECT_EQ(read_file_for_testing(dest), "previous build");
  EXPECT_EQ(list_dir_for_testing(dir_.path()), (std::vector<std::string>{"artifacts", "out.o"}));

  // Once removed, the blob is simply absent.
  Status again = store_.deliver(*digest, dest, 0644);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_F(ArtifactStoreTest, DeliverSharesTheBlobWhenTheFilesystemAllows) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string dest = dir_.file("out.o");
  ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
  EXPECT_EQ(read_file_for_testing(dest), content);
  struct stat blob_st, dest_st;
  ASSERT_EQ(::stat(store_.path_of(*digest).c_str(), &blob_st), 0);
  ASSERT_EQ(::stat(dest.c_str(), &dest_st), 0);
  // Same filesystem here: a hardlink (same inode) unless it reflinked (own inode, same bytes).
  if (dest_st.st_ino != blob_st.st_ino) {
    EXPECT_EQ(dest_st.st_nlink, 1u);
  } else {
    EXPECT_GE(blob_st.st_nlink, 2u);
  }
}

// umask 0 asks for a world-writable output; a hardlink would make the blob itself writable by
// everyone (it shares the output's inode and mode).
TEST_F(ArtifactStoreTest, WorldWritableOutputNeverSharesTheBlob) {
  auto digest = store_.put_bytes("object bytes");
  ASSERT_TRUE(digest.ok());
  std::string dest = dir_.file("out.o");
  ASSERT_TRUE(store_.deliver(*digest, dest, 0666).ok());
  EXPECT_EQ(mode_of(dest), 0666u);
  EXPECT_EQ(mode_of(store_.path_of(*digest)) & S_IWOTH, 0u) << "the blob is world-writable";
  EXPECT_EQ(read_file_for_testing(dest), "object bytes");
}

TEST_F(ArtifactStoreTest, ShardDirectoriesAreTheOwnersOnly) {
  auto digest = store_.put_bytes("object bytes");
  ASSERT_TRUE(digest.ok());
  std::string blob = store_.path_of(*digest);
  EXPECT_EQ(mode_of(blob.substr(0, blob.rfind('/'))), 0700u);
}

// A second delivery over an output that is already a link to the blob: rename() is then a no-op.
TEST_F(ArtifactStoreTest, RepeatedDeliveryToTheSamePathLeavesNoTemporaries) {
  auto digest = store_.put_bytes("object bytes");
  ASSERT_TRUE(digest.ok());
  std::string dest = dir_.file("out.o");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
  EXPECT_EQ(read_file_for_testing(dest), "object bytes");
  EXPECT_EQ(list_dir_for_testing(dir_.path()), (std::vector<std::string>{"artifacts", "out.o"}));
}

// Issue 8 (tests/stress/kill.py): a daemon killed between creating a delivery's temporary and
// renaming it left ".zccache-link.*.tmp" in the build tree. Whatever the way (link, or copy when
// the blob already backs another output, or copy mode), the output's directory only ever sees
// the output itself appear.
TEST_F(ArtifactStoreTest, DeliveryCreatesNoTemporaryBesideTheOutput) {
  auto digest = store_.put_bytes(big_content());
  ASSERT_TRUE(digest.ok());
  std::string out_dir = dir_.file("obj");
  ASSERT_EQ(::mkdir(out_dir.c_str(), 0755), 0);
  ArtifactStore copying(root(), DeliveryMode::kCopy);
  auto names = testing::names_created_in_for_testing(out_dir, [&] {
    EXPECT_TRUE(store_.deliver(*digest, out_dir + "/a.o", 0644).ok());       // link or reflink
    EXPECT_TRUE(store_.deliver(*digest, out_dir + "/a_copy.o", 0644).ok());  // blob in use: copy
    EXPECT_TRUE(copying.deliver(*digest, out_dir + "/b.o", 0644).ok());
  });
  EXPECT_EQ(names, (std::vector<std::string>{"a.o", "a_copy.o", "b.o"}));
  EXPECT_EQ(read_file_for_testing(out_dir + "/b.o"), big_content());
}

// What a killed daemon leaves in the store goes at the next start; blobs stay.
TEST_F(ArtifactStoreTest, RemoveTemporariesKeepsBlobs) {
  auto digest = store_.put_bytes("kept");
  ASSERT_TRUE(digest.ok());
  std::string shard = store_.path_of(*digest).substr(0, root().size() + 3);
  write_file_for_testing(root() + "/.put.tmp.abcdef", "stray");
  write_file_for_testing(root() + "/.link.tmp.12.3", "stray");
  write_file_for_testing(shard + "/.0123.tmp.XyZ123", "stray");
  write_file_for_testing(root() + "/README", "not ours");
  ASSERT_TRUE(store_.remove_temporaries().ok());
  EXPECT_EQ(list_dir_for_testing(root()), (std::vector<std::string>{shard.substr(root().size() + 1), "README"}));
  EXPECT_EQ(list_dir_for_testing(shard), std::vector<std::string>{store_.path_of(*digest).substr(shard.size() + 1)});
  EXPECT_TRUE(store_.read(*digest).ok());
}

// Two outputs never share the blob's inode: a fresh mtime set on one must not reach the other.
TEST_F(ArtifactStoreTest, SecondOutputOfOneBlobGetsItsOwnInode) {
  auto digest = store_.put_bytes("object bytes");
  ASSERT_TRUE(digest.ok());
  std::string first = dir_.file("w1.o"), second = dir_.file("w2.o");
  ASSERT_TRUE(store_.deliver(*digest, first, 0644).ok());
  struct timespec old_times[2] = {{1000000, 0}, {1000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, first.c_str(), old_times, 0), 0);
  ASSERT_TRUE(store_.deliver(*digest, second, 0644).ok());
  struct stat a, b;
  ASSERT_EQ(::stat(first.c_str(), &a), 0);
  ASSERT_EQ(::stat(second.c_str(), &b), 0);
  EXPECT_NE(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mtim.tv_sec, 1000000) << "delivering w2.o touched w1.o";
  EXPECT_EQ(read_file_for_testing(second), "object bytes");
}

// The user appends to a delivered (hardlinked) output: the cache must never hand those bytes out.
TEST_F(ArtifactStoreTest, WriteThroughADeliveredOutputIsNeverServed) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string first = dir_.file("a.o");
  ASSERT_TRUE(store_.deliver(*digest, first, 0644).ok());
  { std::ofstream(first, std::ios::app) << "x"; }
  std::string second = dir_.file("b.o");
  expect_never_served_written(store_.deliver(*digest, second, 0644), second, content, *digest);
}

// Same size, content changed, mtime restored (touch -d): ctime still gives it away.
TEST_F(ArtifactStoreTest, SameSizeRewriteWithRestoredMtimeIsNeverServed) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string first = dir_.file("a.o");
  ASSERT_TRUE(store_.deliver(*digest, first, 0644).ok());
  rewrite_keeping_mtime(first);
  std::string second = dir_.file("b.o");
  expect_never_served_written(store_.deliver(*digest, second, 0644), second, content, *digest);
}

// The usual hit after `make clean`: no output links the blob, so it is linked straight to the
// output name (no temporary, no rename), taking the output's mode and a current mtime.
TEST_F(ArtifactStoreTest, AnOutputRemovedAfterAHitIsLinkedStraightBackWithAFreshMtimeAndMode) {
  std::string content = big_content();
  std::string dest = dir_.file("a.o");
  hash::Digest blob;
  ino_t blob_ino = 0;
  ASSERT_NO_FATAL_FAILURE(deliver_backdated(content, dest, &blob, &blob_ino));
  if (blob_ino == 0) GTEST_SKIP() << "reflinked: the output has its own inode";
  const auto* digest = &blob;
  struct stat dest_st;
  ASSERT_EQ(::unlink(dest.c_str()), 0);

  auto created = testing::names_created_in_for_testing(root(), [&] {
    ASSERT_TRUE(store_.deliver(*digest, dest, 0640).ok());
  });
  EXPECT_TRUE(created.empty()) << "a temporary in the store: " << created[0];
  EXPECT_EQ(read_file_for_testing(dest), content);
  ASSERT_EQ(::stat(dest.c_str(), &dest_st), 0);
  EXPECT_EQ(dest_st.st_ino, blob_ino);
  EXPECT_EQ(dest_st.st_mode & 07777, 0640u);
  EXPECT_GT(dest_st.st_mtim.tv_sec, 1000) << "the output kept the blob's old mtime";
  EXPECT_EQ(list_dir_for_testing(dir_.path()), (std::vector<std::string>{"a.o", "artifacts"}));
}

// A hit whose output is still there from the last one (after `touch header.h`): it already is the
// blob's link, and gets a fresh mtime and the mode in place, with no temporary.
TEST_F(ArtifactStoreTest, AnOutputThatAlreadyIsTheBlobGetsAFreshMtimeAndModeInPlace) {
  std::string content = big_content();
  std::string dest = dir_.file("a.o");
  hash::Digest blob;
  ino_t blob_ino = 0;
  ASSERT_NO_FATAL_FAILURE(deliver_backdated(content, dest, &blob, &blob_ino));
  if (blob_ino == 0) GTEST_SKIP() << "reflinked: the output has its own inode";
  const auto* digest = &blob;
  struct stat dest_st;

  auto created = testing::names_created_in_for_testing(root(), [&] {
    ASSERT_TRUE(store_.deliver(*digest, dest, 0640).ok());
  });
  EXPECT_TRUE(created.empty()) << "a temporary in the store: " << created[0];
  EXPECT_EQ(read_file_for_testing(dest), content);
  ASSERT_EQ(::lstat(dest.c_str(), &dest_st), 0);
  EXPECT_TRUE(S_ISREG(dest_st.st_mode));
  EXPECT_EQ(dest_st.st_ino, blob_ino);
  EXPECT_EQ(dest_st.st_nlink, 2u);
  EXPECT_EQ(dest_st.st_mode & 07777, 0640u);
  EXPECT_GT(dest_st.st_mtim.tv_sec, 1000) << "the output kept its old mtime";
}

// An output that is a symlink to the blob is not "the blob's link": it is replaced by a file.
TEST_F(ArtifactStoreTest, AnOutputSymlinkedToTheBlobBecomesAFile) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  ASSERT_TRUE(store_.deliver(*digest, dir_.file("a.o"), 0644).ok());
  std::string dest = dir_.file("b.o");
  ASSERT_EQ(::symlink(store_.path_of(*digest).c_str(), dest.c_str()), 0);
  ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
  struct stat st;
  ASSERT_EQ(::lstat(dest.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the output is still a symlink into the cache";
  EXPECT_EQ(read_file_for_testing(dest), content);
}

// Written through the output (mtime restored, as `strip -p` does in place), then the output
// removed: the blob has one link again, and linking it straight back must not skip the check.
TEST_F(ArtifactStoreTest, RewriteThroughAnOutputThenItsRemovalIsNeverServed) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string first = dir_.file("a.o");
  ASSERT_TRUE(store_.deliver(*digest, first, 0644).ok());
  rewrite_keeping_mtime(first);
  ASSERT_EQ(::unlink(first.c_str()), 0);
  expect_never_served_written(store_.deliver(*digest, first, 0644), first, content, *digest);
}

// `make clean` then a hit, again and again: the output's unlink moves the blob's ctime, but its
// inotify watch saw no write, so it is linked back without being read and hashed.
TEST_F(ArtifactStoreTest, AnOutputRemovedAfterAHitIsNotReHashed) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string dest = dir_.file("a.o");
  ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
  struct stat blob_st, dest_st;
  ASSERT_EQ(::stat(store_.path_of(*digest).c_str(), &blob_st), 0);
  ASSERT_EQ(::stat(dest.c_str(), &dest_st), 0);
  if (dest_st.st_ino != blob_st.st_ino) GTEST_SKIP() << "reflinked: the output has its own inode";
  const uint64_t hashed = store_.verifications();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(::unlink(dest.c_str()), 0);
    ASSERT_TRUE(store_.deliver(*digest, dest, 0644).ok());
    EXPECT_EQ(read_file_for_testing(dest), content);
  }
  EXPECT_EQ(store_.verifications(), hashed);
}

// A write through a shared mapping of the output sends no IN_MODIFY; closing the descriptor it
// was opened with does (IN_CLOSE_WRITE), even with the mtime put back.
TEST_F(ArtifactStoreTest, AWriteThroughAMappingOfTheOutputIsNeverServed) {
  std::string content = big_content();
  auto digest = store_.put_bytes(content);
  ASSERT_TRUE(digest.ok());
  std::string first = dir_.file("a.o");
  ASSERT_TRUE(store_.deliver(*digest, first, 0644).ok());
  struct stat st;
  ASSERT_EQ(::stat(first.c_str(), &st), 0);
  int fd = ::open(first.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, content.size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  static_cast<char*>(map)[1000] ^= 0x5a;
  ASSERT_EQ(::munmap(map, content.size()), 0);
  ASSERT_EQ(::close(fd), 0);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, first.c_str(), times, 0), 0);
  ASSERT_EQ(::unlink(first.c_str()), 0);
  expect_never_served_written(store_.deliver(*digest, first, 0644), first, content, *digest);
}

TEST_F(ArtifactStoreTest, CopyModeNeverSharesTheBlob) {
  ArtifactStore copying(dir_.file("artifacts"), DeliveryMode::kCopy);
  auto digest = copying.put_bytes("object bytes");
  ASSERT_TRUE(digest.ok());
  std::string dest = dir_.file("out.o");
  ASSERT_TRUE(copying.deliver(*digest, dest, 0644).ok());
  struct stat blob_st, dest_st;
  ASSERT_EQ(::stat(copying.path_of(*digest).c_str(), &blob_st), 0);
  ASSERT_EQ(::stat(dest.c_str(), &dest_st), 0);
  EXPECT_NE(dest_st.st_ino, blob_st.st_ino);
  EXPECT_EQ(read_file_for_testing(dest), "object bytes");
}

TEST_F(ArtifactStoreTest, TruncatedBlobIsCorruptOnRead) {
  auto digest = store_.put_bytes("some object bytes");
  ASSERT_TRUE(digest.ok());
  ASSERT_EQ(::truncate(store_.path_of(*digest).c_str(), 4), 0);
  auto data = store_.read(*digest);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code, ErrorCode::kCorrupt);
  EXPECT_FALSE(store_.contains(*digest));
}

TEST_F(ArtifactStoreTest, DeliverOfMissingBlobIsNotFoundAndCreatesNothing) {
  hash::Digest d = hash::hash_bytes("never stored");
  Status s = store_.deliver(d, dir_.file("out.o"), 0644);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(list_dir_for_testing(dir_.path()).empty());
}

TEST_F(ArtifactStoreTest, DeliverIntoMissingDirectoryFails) {
  auto digest = store_.put_bytes("x");
  ASSERT_TRUE(digest.ok());
  Status s = store_.deliver(*digest, dir_.file("no/such/dir/out.o"), 0644);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(store_.contains(*digest));
}

TEST_F(ArtifactStoreTest, RemoveDeletesOneBlob) {
  auto a = store_.put_bytes("a");
  auto b = store_.put_bytes("b");
  ASSERT_TRUE(a.ok() && b.ok());
  store_.remove(*a);
  EXPECT_FALSE(store_.contains(*a));
  EXPECT_TRUE(store_.contains(*b));
}

TEST_F(ArtifactStoreTest, ClearRemovesBlobsAndTemporariesOnly) {
  std::vector<hash::Digest> digests;
  for (int i = 0; i < 50; ++i) {
    auto d = store_.put_bytes("blob " + std::to_string(i));
    ASSERT_TRUE(d.ok());
    digests.push_back(*d);
  }
  write_file_for_testing(root() + "/.put.tmp.abcdef", "stray temporary");
  write_file_for_testing(root() + "/README", "not ours");
  EXPECT_GT(store_.size_bytes(), 0u);

  ASSERT_TRUE(store_.clear().ok());
  for (const hash::Digest& d : digests) EXPECT_FALSE(store_.contains(d));
  EXPECT_EQ(list_dir_for_testing(root()), std::vector<std::string>{"README"});
  EXPECT_EQ(store_.size_bytes(), 0u);
  // The store is usable after a clear.
  auto d = store_.put_bytes("after clear");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(store_.read(*d).ok());
}

TEST_F(ArtifactStoreTest, ClearOfMissingRootSucceeds) { EXPECT_TRUE(store_.clear().ok()); }

TEST_F(ArtifactStoreTest, SizeBytesCountsAllocatedBlocks) {
  EXPECT_EQ(store_.size_bytes(), 0u);
  std::string content = big_content();
  ASSERT_TRUE(store_.put_bytes(content).ok());
  uint64_t size = store_.size_bytes();
  EXPECT_GT(size, 0u);  // not >= content.size(): a compressing filesystem may use less
  EXPECT_EQ(size % 512, 0u);
}

}  // namespace
}  // namespace zccache::store
