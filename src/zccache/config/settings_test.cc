#include "zccache/config/settings.h"

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::config {
namespace {

using testing::TempDirForTesting;
using testing::write_file_for_testing;

TEST(Settings, DefaultIsFiveGiB) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto s = load_settings(dir.path(), nullptr);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->max_size_bytes, 5ull << 30);
  EXPECT_EQ(s->max_size_source, Source::kDefault);
  EXPECT_EQ(load_settings(dir.path(), "")->max_size_source, Source::kDefault);
}

TEST(Settings, ConfigFileThenEnvironment) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  write_file_for_testing(config_path(dir.path()), "max-size = 10G\n");
  auto from_file = load_settings(dir.path(), nullptr);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file->max_size_bytes, 10ull << 30);
  EXPECT_EQ(from_file->max_size_source, Source::kConfigFile);
  auto from_env = load_settings(dir.path(), "500M");
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->max_size_bytes, 500ull << 20);
  EXPECT_EQ(from_env->max_size_source, Source::kEnvironment);
}

TEST(Settings, MalformedValuesNameTheirSource) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto env = load_settings(dir.path(), "lots");
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("ZCCACHE_MAX_SIZE"), std::string::npos) << env.error().message;
  write_file_for_testing(config_path(dir.path()), "max-size = huge\n");
  auto file = load_settings(dir.path(), nullptr);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("/config"), std::string::npos) << file.error().message;
}

}  // namespace
}  // namespace zccache::config
