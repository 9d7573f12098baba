#include "zccache/transport/endpoint.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "zccache/base/posix_error.h"
#include "zccache/transport/socket_name.h"

namespace zccache::transport {
namespace {

Status make_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return posix_error("mkdir", path);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return posix_error("stat", path);
  if (!S_ISDIR(st.st_mode)) return make_error(ErrorCode::kPermission, path + " is not a directory");
  if (st.st_uid != ::getuid()) return make_error(ErrorCode::kPermission, path + " belongs to another user");
  if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0700) != 0) return posix_error("chmod", path);
  return {};
}

// The cache directory must be ours: a daemon that writes into another user's directory (through
// a symlink, or into a /tmp/zccache-<uid> someone created first) works among files that user can
// swap under it, and a root daemon would create files in it. A symlink must be ours or root's too
// (its owner can point it elsewhere at any time). A world-writable one (mkdir -m 777) loses that
// bit, for the same reason.
Status secure_cache_dir(const std::string& dir) {
  struct stat link_st, st;
  if (::lstat(dir.c_str(), &link_st) != 0) return posix_error("stat", dir);
  if (::stat(dir.c_str(), &st) != 0) return posix_error("stat", dir);
  const uid_t me = ::getuid();
  const bool is_link = S_ISLNK(link_st.st_mode);
  auto refuse = [&](const std::string& why) {
    return make_error(ErrorCode::kPermission,
                      "cache directory " + dir + why + ", not to uid " + std::to_string(me) + "; not using it");
  };
  if (is_link && link_st.st_uid != me && link_st.st_uid != 0) {
    return refuse(" is a symlink that belongs to uid " + std::to_string(link_st.st_uid));
  }
  if (!S_ISDIR(st.st_mode)) return make_error(ErrorCode::kPermission, "cache directory " + dir + " is not a directory");
  if (st.st_uid != me) {
    return refuse((is_link ? " is a symlink to a directory of uid " : " belongs to uid ") + std::to_string(st.st_uid));
  }
  // (A read-only mount is writable by nobody: EROFS is no reason to stop.)
  if ((st.st_mode & S_IWOTH) != 0 && ::chmod(dir.c_str(), st.st_mode & 07775) != 0 && errno != EROFS) {
    return posix_error("chmod", dir);
  }
  return {};
}

}  // namespace

std::string default_cache_dir() {
  std::string dir;
  if (const char* env = std::getenv("ZCCACHE_DIR"); env && *env) {
    dir = env;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::string(home) + "/.zccache";
  } else {
    dir = "/tmp/zccache-" + std::to_string(::getuid());
  }
  if (dir[0] != '/') {
    // getcwd's own allocation: a 4 KiB buffer in this frame cost the client's hit a stack page.
    std::unique_ptr<char, decltype(&std::free)> cwd(::getcwd(nullptr, 0), &std::free);
    if (cwd) dir = std::string(cwd.get()) + "/" + dir;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

Endpoint endpoint_for(const std::string& cache_dir) {
  Endpoint e;
  e.cache_dir = cache_dir;
  e.run_dir = cache_dir + "/run";
  e.socket_path = e.run_dir + "/daemon.sock";
  e.start_lock_path = e.run_dir + "/start.lock";
  e.daemon_lock_path = e.run_dir + "/daemon.lock";
  if (e.socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    char name[64];
    std::snprintf(name, sizeof(name), "/tmp/zccache-%u/%016llx.sock", static_cast<unsigned>(::getuid()),
                  static_cast<unsigned long long>(socket_name_hash(cache_dir.data(), cache_dir.size())));
    e.socket_path = name;
  }
  return e;
}

Status prepare_endpoint(const Endpoint& endpoint) {
  std::string partial;
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = endpoint.cache_dir.find('/', pos + 1);
    partial = endpoint.cache_dir.substr(0, pos);
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) return posix_error("mkdir", partial);
  }
  ZCCACHE_TRY(secure_cache_dir(endpoint.cache_dir));
  ZCCACHE_TRY(make_private_dir(endpoint.run_dir));
  if (endpoint.socket_path.rfind("/tmp/zccache-", 0) == 0) {
    std::string dir = endpoint.socket_path.substr(0, endpoint.socket_path.rfind('/'));
    ZCCACHE_TRY(make_private_dir(dir));
  }
  return {};
}

}  // namespace zccache::transport
