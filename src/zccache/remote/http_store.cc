#include "zccache/remote/http_store.h"

#include <cstring>
#include <vector>

#include <curl/curl.h>

#include "zccache/remote/connection_pool.h"
#include "zccache/remote/curl_api.h"

namespace zccache::remote {
namespace {

constexpr size_t kMaxIdle = 8;

// Only created once curl_api() returned a table.
struct EasyFree {
  void operator()(CURL* c) const { curl_api()->easy_cleanup(c); }
};
using Easy = std::unique_ptr<CURL, EasyFree>;
struct SlistFree {
  void operator()(curl_slist* l) const { curl_api()->slist_free_all(l); }
};

struct Body {
  std::string data;
  bool too_big = false;
};

size_t on_write(char* ptr, size_t size, size_t n, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t bytes = size * n;
  if (body->data.size() + bytes > kMaxBodyBytes) {
    body->too_big = true;
    return 0;  // aborts the transfer
  }
  body->data.append(ptr, bytes);
  return bytes;
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t bytes = std::min(size * n, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, bytes);
  up->offset += bytes;
  return bytes;
}

enum class Method { kGet, kPut, kHead };

class HttpStore : public RemoteStore {
 public:
  explicit HttpStore(RemoteSpec spec) : spec_(std::move(spec)), where_(spec_.redacted()), base_(spec_.base_url()) {}

  Result<std::optional<std::string>> get(std::string_view name) override {
    Body body;
    auto code = request(Method::kGet, name, &body, nullptr);
    if (!code.ok()) return code.error();
    if (*code == 404) return std::optional<std::string>();
    if (*code != 200) return status_error("GET", *code);
    return std::optional<std::string>(std::move(body.data));
  }

  Status put(std::string_view name, std::string_view value) override {
    Upload up{value};
    auto code = request(Method::kPut, name, nullptr, &up);
    if (!code.ok()) return code.error();
    if (*code != 200 && *code != 201 && *code != 204) return status_error("PUT", *code);
    return {};
  }

  Result<bool> exists(std::string_view name) override {
    auto code = request(Method::kHead, name, nullptr, nullptr);
    if (!code.ok()) return code.error();
    if (*code == 200) return true;
    if (*code == 404) return false;
    return status_error("HEAD", *code);
  }

 private:
  Error status_error(std::string_view method, long code) {
    return make_error(ErrorCode::kProtocol, where_ + ": " + std::string(method) + " answered HTTP " + std::to_string(code));
  }

  Easy take(const CurlApi& api) {
    if (Easy pooled = pool_.take()) return pooled;
    return Easy(api.easy_init());
  }

  // The HTTP status, or the transfer's error.
  Result<long> request(Method method, std::string_view name, Body* body, Upload* up) {
    const CurlApi* api = curl_api();
    if (!api) return make_error(ErrorCode::kTransport, where_ + ": libcurl.so.4 is not available");
    Easy easy = take(*api);
    if (!easy) return make_error(ErrorCode::kTransport, where_ + ": curl_easy_init failed");
    CURL* c = easy.get();
    api->easy_reset(c);  // keeps the live connection, forgets the last request's options
    std::string url = base_ + std::string(name);
    char errbuf[CURL_ERROR_SIZE] = {0};
    std::unique_ptr<curl_slist, SlistFree> headers(api->slist_append(nullptr, "Expect:"));  // no 100-continue wait
    api->easy_setopt(c, CURLOPT_URL, url.c_str());
    api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(spec_.connect_timeout.count()));
    api->easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     static_cast<long>((spec_.connect_timeout + spec_.request_timeout).count()));
    api->easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (!spec_.username.empty() || !spec_.password.empty()) {
      api->easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      api->easy_setopt(c, CURLOPT_USERNAME, spec_.username.c_str());
      api->easy_setopt(c, CURLOPT_PASSWORD, spec_.password.c_str());
    }
    Body sink;
    if (!body) body = &sink;  // HEAD and PUT: a body (an error page) is read and dropped
    api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    api->easy_setopt(c, CURLOPT_WRITEDATA, body);
    if (method == Method::kHead) api->easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (method == Method::kPut) {
      api->easy_setopt(c, CURLOPT_UPLOAD, 1L);
      api->easy_setopt(c, CURLOPT_READFUNCTION, on_read);
      api->easy_setopt(c, CURLOPT_READDATA, up);
      api->easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(up->data.size()));
    }
    CURLcode rc = api->easy_perform(c);
    if (rc != CURLE_OK) {
      if (body->too_big) return make_error(ErrorCode::kProtocol, where_ + ": response larger than 1 GiB");
      ErrorCode code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout : ErrorCode::kTransport;
      // errbuf names host and port at most (the URL we gave holds no credentials).
      std::string detail = errbuf[0] ? errbuf : api->easy_strerror(rc);
      return make_error(code, where_ + ": " + redact_urls(detail));
    }
    long status = 0;
    api->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    pool_.give_back(std::move(easy));
    return status;
  }

  const RemoteSpec spec_;
  const std::string where_;
  const std::string base_;
  ConnectionPool<CURL, EasyFree> pool_{kMaxIdle};
};

}  // namespace

std::unique_ptr<RemoteStore> make_http_store(const RemoteSpec& spec) { return std::make_unique<HttpStore>(spec); }

}  // namespace zccache::remote
