// The front must find the daemon's socket where the client would: a different path would not
// fail, it would send every hit through zccache-client (the front finds no daemon and hands over).
#include "zccache/front/socket_path.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "zccache/transport/endpoint.h"

namespace zccache::front {
namespace {

// Sets or unsets an environment variable for one test, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string client_socket() { return transport::endpoint_for(transport::default_cache_dir()).socket_path; }

std::string front_socket() {
  char cwd[PATH_MAX];
  EXPECT_NE(getcwd(cwd, sizeof cwd), nullptr);
  Text out;
  EXPECT_TRUE(daemon_socket_path(cwd, &out));
  return out.data;
}

TEST(FrontSocketPath, IsTheClientsForEveryWayTheCacheDirectoryIsGiven) {
  const std::string long_dir = "/tmp/" + std::string(150, 'd');  // over sockaddr_un's 108 bytes
  for (const std::optional<std::string>& dir :
       {std::optional<std::string>("/var/cache/zc"), std::optional<std::string>("rel/zc"),
        std::optional<std::string>("/var/cache/zc///"), std::optional<std::string>("/"),
        std::optional<std::string>(long_dir), std::optional<std::string>(""), std::optional<std::string>()}) {
    ScopedEnv zdir("ZCCACHE_DIR", dir);
    for (const std::optional<std::string>& home :
         {std::optional<std::string>("/home/u"), std::optional<std::string>("relhome"),
          std::optional<std::string>(""), std::optional<std::string>()}) {
      ScopedEnv h("HOME", home);
      EXPECT_EQ(front_socket(), client_socket()) << "ZCCACHE_DIR=" << dir.value_or("(unset)")
                                                 << " HOME=" << home.value_or("(unset)");
    }
  }
  ScopedEnv zdir("ZCCACHE_DIR", long_dir);
  EXPECT_EQ(front_socket().rfind("/tmp/zccache-", 0), 0u) << "premise: the long directory's socket is renamed";
}

}  // namespace
}  // namespace zccache::front
