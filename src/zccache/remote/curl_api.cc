#include "zccache/remote/curl_api.h"

#include <dlfcn.h>

#include <mutex>

#include "zccache/base/log.h"

namespace zccache::remote {
namespace {

template <typename F>
bool load(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  return out != nullptr;
}

const CurlApi* load_api() {
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    log::error("remote: HTTP remotes need libcurl.so.4 (Debian libcurl4): " + std::string(dlerror()));
    return nullptr;
  }
  static CurlApi api;  // never unloaded: handles may outlive any owner
  bool ok = load(lib, "curl_global_init", api.global_init) && load(lib, "curl_easy_init", api.easy_init) &&
            load(lib, "curl_easy_setopt", api.easy_setopt) && load(lib, "curl_easy_perform", api.easy_perform) &&
            load(lib, "curl_easy_getinfo", api.easy_getinfo) && load(lib, "curl_easy_reset", api.easy_reset) &&
            load(lib, "curl_easy_cleanup", api.easy_cleanup) && load(lib, "curl_easy_strerror", api.easy_strerror) &&
            load(lib, "curl_slist_append", api.slist_append) && load(lib, "curl_slist_free_all", api.slist_free_all);
  if (!ok) {
    log::error("remote: libcurl.so.4 lacks a function zccache needs");
    return nullptr;
  }
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return nullptr;
  return &api;
}

}  // namespace

const CurlApi* curl_api() {
  static std::once_flag once;
  static const CurlApi* api = nullptr;
  std::call_once(once, [] { api = load_api(); });
  return api;
}

}  // namespace zccache::remote
