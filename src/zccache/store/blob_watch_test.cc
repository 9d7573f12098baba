#include "zccache/store/blob_watch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "zccache/hash/hasher.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::store {
namespace {

class BlobWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    ASSERT_TRUE(watch_);
  }
  std::string put(const std::string& name, const std::string& content) {
    std::string path = dir_.file(name);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
    return path;
  }
  testing::TempDirForTesting dir_;
  std::unique_ptr<BlobWatch> watch_ = BlobWatch::create(3);
};

TEST_F(BlobWatchTest, WhatChangesNoByteKeepsTheBlobVouchedFor) {
  const hash::Digest d = hash::hash_bytes("a");
  const std::string blob = put("blob", "object");
  EXPECT_FALSE(watch_->unwritten(d)) << "never watched";
  ASSERT_TRUE(watch_->watch(d, blob));
  const std::string out = dir_.file("a.o");
  ASSERT_EQ(::link(blob.c_str(), out.c_str()), 0);  // delivered
  ASSERT_EQ(::chmod(out.c_str(), 0600), 0);
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ASSERT_EQ(::utimensat(AT_FDCWD, out.c_str(), now, 0), 0);
  int fd = ::open(out.c_str(), O_RDONLY);  // the linker reads it
  char c;
  ASSERT_EQ(::read(fd, &c, 1), 1);
  ::close(fd);
  ASSERT_EQ(::unlink(out.c_str()), 0);  // make clean
  EXPECT_TRUE(watch_->unwritten(d));
}

TEST_F(BlobWatchTest, AWriteThroughAnotherNameIsSeen) {
  const hash::Digest d = hash::hash_bytes("a");
  const std::string blob = put("blob", "object");
  ASSERT_TRUE(watch_->watch(d, blob));
  const std::string out = dir_.file("a.o");
  ASSERT_EQ(::link(blob.c_str(), out.c_str()), 0);
  int fd = ::open(out.c_str(), O_WRONLY | O_APPEND);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  EXPECT_FALSE(watch_->unwritten(d)) << "IN_MODIFY at the write, before the close";
  ::close(fd);
  EXPECT_FALSE(watch_->unwritten(d));
  ASSERT_TRUE(watch_->watch(d, blob)) << "watched again once its content is known again";
  EXPECT_TRUE(watch_->unwritten(d));
}

TEST_F(BlobWatchTest, OpeningForWriteAndClosingCounts) {
  const hash::Digest d = hash::hash_bytes("a");
  const std::string blob = put("blob", "object");
  ASSERT_TRUE(watch_->watch(d, blob));
  int fd = ::open(blob.c_str(), O_RDWR);
  ::close(fd);
  EXPECT_FALSE(watch_->unwritten(d));
}

TEST_F(BlobWatchTest, TheOldestWatchGoesFirstAndForgetDrops) {
  hash::Digest d[4];
  for (int i = 0; i < 4; ++i) {
    d[i] = hash::hash_bytes(std::to_string(i));
    ASSERT_TRUE(watch_->watch(d[i], put("b" + std::to_string(i), std::to_string(i))));
  }
  EXPECT_EQ(watch_->watched(), 3u);
  EXPECT_FALSE(watch_->unwritten(d[0]));
  EXPECT_TRUE(watch_->unwritten(d[3]));
  watch_->forget(d[3]);
  EXPECT_FALSE(watch_->unwritten(d[3]));
  EXPECT_TRUE(watch_->unwritten(d[1]));
  watch_->clear();
  EXPECT_EQ(watch_->watched(), 0u);
  EXPECT_FALSE(BlobWatch::create(0)) << "no watches wanted: none";
}

}  // namespace
}  // namespace zccache::store
