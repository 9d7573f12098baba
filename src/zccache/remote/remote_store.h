// RemoteStore: a shared cache server seen as named byte blobs (the seam at the network boundary,
// like ccache's RemoteStorageBackend): one implementation per protocol (redis_store.h,
// http_store.h) and an in-memory fake for tests (testing/fake_remote_store.h).
//
// Names are short ASCII paths ("zc1/a/<32 hex>"); values are opaque bytes that the caller
// verifies (envelope.h): a remote is never trusted to return what was put.
// Errors: kTimeout when a connect or request deadline passed, kTransport for a refused or broken
// connection, kProtocol for an answer we do not understand (an HTTP 500, a Redis error reply).
// Every call returns within the remote's connect + request timeout.
// Thread-safe: calls may come from any thread at once (each implementation pools connections).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "zccache/base/result.h"

namespace zccache::remote {

class RemoteStore {
 public:
  virtual ~RemoteStore() = default;
  // The value, or nullopt when the remote has no such name.
  virtual Result<std::optional<std::string>> get(std::string_view name) = 0;
  virtual Status put(std::string_view name, std::string_view value) = 0;
  virtual Result<bool> exists(std::string_view name) = 0;
};

}  // namespace zccache::remote
