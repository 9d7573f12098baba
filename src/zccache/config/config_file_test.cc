#include "zccache/config/config_file.h"

#include <gtest/gtest.h>

#include "zccache/testing/temp_dir.h"

namespace zccache::config {
namespace {

using testing::TempDirForTesting;

TEST(ConfigFile, ParsesKeyValueCommentsAndBlankLines) {
  auto file = ConfigFile::parse("# comment\n\nmax-size = 10G\n  other=x y \n");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->get("max-size"), "10G");
  EXPECT_EQ(file->get("other"), "x y");
  EXPECT_FALSE(file->get("missing").has_value());
  auto all = file->settings();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "max-size");
}

TEST(ConfigFile, RejectsALineThatIsNotASetting) {
  auto file = ConfigFile::parse("max-size = 1G\njust words\n");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("line 2"), std::string::npos) << file.error().message;
  EXPECT_FALSE(ConfigFile::parse("= value\n").ok());
}

TEST(ConfigFile, SetReplacesInPlaceAndKeepsOtherLines) {
  auto file = ConfigFile::parse("# mine\nmax-size = 1G\nfuture-key = 3\nmax-size = 2G\n");
  ASSERT_TRUE(file.ok());
  file->set("max-size", "10G");
  EXPECT_EQ(file->text(), "# mine\nmax-size = 10G\nfuture-key = 3\n");
  file->set("new-key", "v");
  EXPECT_EQ(file->get("new-key"), "v");
  EXPECT_EQ(file->text().substr(file->text().size() - 12), "new-key = v\n");
}

TEST(ConfigFile, WriteThenReadRoundTrips) {
  TempDirForTesting dir;
  ASSERT_TRUE(dir.ok());
  auto missing = ConfigFile::read(dir.file("config"));
  ASSERT_TRUE(missing.ok()) << "a missing file is an empty configuration";
  EXPECT_TRUE(missing->settings().empty());
  ConfigFile file = *missing;
  file.set("max-size", "500M");
  ASSERT_TRUE(file.write(dir.file("config")).ok());
  auto back = ConfigFile::read(dir.file("config"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->get("max-size"), "500M");
}

}  // namespace
}  // namespace zccache::config
