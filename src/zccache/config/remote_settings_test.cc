#include "zccache/config/remote_settings.h"

#include <gtest/gtest.h>

#include "zccache/config/config_file.h"
#include "zccache/testing/temp_dir.h"

namespace zccache::config {
namespace {

void write_config(const std::string& dir, const std::string& text) {
  auto file = ConfigFile::parse(text);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->write(config_path(dir)).ok());
}

TEST(RemoteSettings, DefaultsToNoRemoteReadWrite) {
  testing::TempDirForTesting dir;
  auto s = load_remote_settings(dir.path(), nullptr, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->urls, "");
  EXPECT_FALSE(s->read_only);
  EXPECT_EQ(s->urls_source, Source::kDefault);
}

TEST(RemoteSettings, ConfigFileThenEnvironmentOverridesIt) {
  testing::TempDirForTesting dir;
  write_config(dir.path(), "remote = redis://a:1 http://b/\nremote-only-read = yes\n");
  auto file = load_remote_settings(dir.path(), nullptr, nullptr);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->urls, "redis://a:1 http://b/");
  EXPECT_TRUE(file->read_only);
  EXPECT_EQ(file->read_only_source, Source::kConfigFile);
  auto env = load_remote_settings(dir.path(), "", "0");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->urls, "") << "set but empty disables the configured remote";
  EXPECT_EQ(env->urls_source, Source::kEnvironment);
  EXPECT_FALSE(env->read_only);
}

TEST(RemoteSettings, RejectsMalformedBooleans) {
  testing::TempDirForTesting dir;
  EXPECT_FALSE(load_remote_settings(dir.path(), nullptr, "maybe").ok());
  write_config(dir.path(), "remote-only-read = 2\n");
  EXPECT_FALSE(load_remote_settings(dir.path(), nullptr, nullptr).ok());
  EXPECT_TRUE(*parse_bool("ON"));
  EXPECT_FALSE(*parse_bool("off"));
}

}  // namespace
}  // namespace zccache::config
