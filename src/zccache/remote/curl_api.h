// CurlApi: libcurl's functions, loaded with dlopen("libcurl.so.4") the first time an HTTP remote
// is used, instead of linked.
//
// Why: linking libcurl pulls about 30 shared libraries into the daemon (OpenSSL, Kerberos, LDAP,
// nghttp2, libssh2, ...). Measured on the 2-vCPU VM, `zccache-daemon --version` went from 1.7 ms
// to 19 ms (median of 20), a cost every daemon start paid, with or without a remote; it also made
// the daemon's first reply to a starting client slow enough to change the timing the e2e and
// stress suites see. Loaded on demand, only a daemon with an HTTP remote pays it, once.
// A machine without libcurl4 gets nullptr: its HTTP remotes fail every request (counted as
// errors, the breaker opens) and builds go on.
// Thread-safe: loaded once (std::call_once); the table is immutable afterwards.
#pragma once

#include <curl/curl.h>

namespace zccache::remote {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  void (*easy_reset)(CURL* handle);
  void (*easy_cleanup)(CURL* handle);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* string);
  void (*slist_free_all)(curl_slist* list);
};

// The loaded table (curl_global_init already called), or nullptr when libcurl cannot be loaded.
const CurlApi* curl_api();

}  // namespace zccache::remote
