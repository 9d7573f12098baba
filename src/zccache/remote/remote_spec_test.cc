#include "zccache/remote/remote_spec.h"

#include <gtest/gtest.h>

namespace zccache::remote {
namespace {

TEST(RemoteSpec, ParsesRedisWithDefaults) {
  auto spec = parse_remote("redis://cache.lan");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->kind, Kind::kRedis);
  EXPECT_EQ(spec->host, "cache.lan");
  EXPECT_EQ(spec->port, 6379);
  EXPECT_EQ(spec->db, 0);
  EXPECT_EQ(spec->connect_timeout, kRedisConnectTimeout);
  EXPECT_EQ(spec->request_timeout, kRedisRequestTimeout);
}

TEST(RemoteSpec, ParsesRedisPortDbCredentialsAndTimeouts) {
  auto spec = parse_remote("redis://alice:s%40cret@10.0.0.5:6380/3?connect-timeout=20&timeout=75");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->host, "10.0.0.5");
  EXPECT_EQ(spec->port, 6380);
  EXPECT_EQ(spec->db, 3);
  EXPECT_EQ(spec->username, "alice");
  EXPECT_EQ(spec->password, "s@cret");
  EXPECT_EQ(spec->connect_timeout.count(), 20);
  EXPECT_EQ(spec->request_timeout.count(), 75);
}

TEST(RemoteSpec, ParsesRedisPasswordWithoutUser) {
  auto spec = parse_remote("redis://:pw@h");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->username, "");
  EXPECT_EQ(spec->password, "pw");
}

TEST(RemoteSpec, ParsesHttpPrefixWithTrailingSlash) {
  auto spec = parse_remote("http://cache:8080/zccache");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->kind, Kind::kHttp);
  EXPECT_EQ(spec->port, 8080);
  EXPECT_EQ(spec->path, "/zccache/");
  EXPECT_EQ(spec->base_url(), "http://cache:8080/zccache/");
  EXPECT_EQ(spec->connect_timeout, kHttpConnectTimeout);
  auto bare = parse_remote("HTTPS://cache");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->scheme, "https");
  EXPECT_EQ(bare->port, 443);
  EXPECT_EQ(bare->path, "/");
}

TEST(RemoteSpec, ParsesBracketedIpv6Host) {
  auto spec = parse_remote("http://[::1]:81/c/");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->host, "::1");
  EXPECT_EQ(spec->port, 81);
  EXPECT_EQ(spec->base_url(), "http://[::1]:81/c/");
}

TEST(RemoteSpec, SeveralUrlsKeepTheirOrder) {
  auto specs = parse_remotes("  redis://a:1  http://b/x/\thttp://c ");
  ASSERT_TRUE(specs.ok()) << specs.error().message;
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_EQ((*specs)[0].host, "a");
  EXPECT_EQ((*specs)[1].host, "b");
  EXPECT_EQ((*specs)[2].host, "c");
  auto none = parse_remotes("   ");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(RemoteSpec, CredentialsFromTheEnvironmentOnlyWhenTheUrlHasNone) {
  EnvCredentials env{"bob", "envpw"};
  auto from_env = parse_remote("redis://h", env);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->username, "bob");
  EXPECT_EQ(from_env->password, "envpw");
  auto from_url = parse_remote("redis://:urlpw@h", env);
  ASSERT_TRUE(from_url.ok());
  EXPECT_EQ(from_url->password, "urlpw");
  EXPECT_EQ(from_url->username, "");
}

TEST(RemoteSpec, RejectsMalformedUrls) {
  for (const char* bad : {"cache.lan:6379", "ftp://h", "rediss://h", "redis://", "redis://h:0", "redis://h:99999",
                          "redis://h:", "redis://h/x", "http://h?timeout=0", "http://h?timeout=abc",
                          "http://h?retries=3", "http://[::1", "http://u:%zz@h"}) {
    auto spec = parse_remote(bad);
    EXPECT_FALSE(spec.ok()) << bad;
    if (!spec.ok()) {
      EXPECT_EQ(spec.error().code, ErrorCode::kInvalid) << bad;
    }
  }
}

TEST(RemoteSpec, RedactedFormHidesCredentials) {
  auto spec = parse_remote("redis://alice:hunter2@h:7/2?timeout=9");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->redacted(), "redis://***@h:7/2");
  auto http = parse_remote("http://u:topsecret@h/p/", EnvCredentials{});
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->redacted(), "http://***@h:80/p/");
  auto env = parse_remote("http://h/p/", EnvCredentials{"", "envsecret"});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->redacted().find("envsecret"), std::string::npos);
  EXPECT_EQ(env->redacted(), "http://***@h:80/p/");
  auto plain = parse_remote("http://h/p/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->redacted(), "http://h:80/p/");
}

TEST(RemoteSpec, ErrorMessagesNeverHoldThePassword) {
  auto spec = parse_remote("redis://alice:hunter2@h:notaport");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message.find("hunter2"), std::string::npos) << spec.error().message;
  EXPECT_EQ(spec.error().message.find("alice"), std::string::npos) << spec.error().message;
  auto list = parse_remotes("http://ok/ redis://x:pw123@h?bogus=1");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().message.find("pw123"), std::string::npos) << list.error().message;
}

TEST(RemoteSpec, RedactUrlsReplacesEveryUserInfo) {
  EXPECT_EQ(redact_urls("redis://a:b@h:1/0 http://h/x http://u:p@w@h2/p?q=1"),
            "redis://***@h:1/0 http://h/x http://***@h2/p?q=1");
  EXPECT_EQ(redact_urls("no url here"), "no url here");
  EXPECT_EQ(redact_urls("x://:@"), "x://***@");
}

}  // namespace
}  // namespace zccache::remote
