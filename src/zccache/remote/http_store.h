// HttpStore: a RemoteStore on an HTTP server: GET, PUT and HEAD of <base url><name> (nginx with
// WebDAV PUT and create_full_put_path, or any server that answers those three methods). 200 is a
// value, 404 an absent one, anything else an error; PUT accepts 200, 201 and 204.
//
// libcurl easy handles are pooled (at most kMaxIdle), which keeps connections alive between
// requests. CURLOPT_NOSIGNAL is set (the daemon is threaded; curl's timeout via SIGALRM is not
// thread-safe), so a host name whose DNS lookup hangs is not bounded by the timeout unless libcurl
// uses its threaded resolver (Debian's does). Credentials go to libcurl as user name and password,
// never into the URL that errors mention. Responses above kMaxBodyBytes are refused.
// Thread-safe: each call uses a handle of its own.
#pragma once

#include <cstdint>
#include <memory>

#include "zccache/remote/remote_spec.h"
#include "zccache/remote/remote_store.h"

namespace zccache::remote {

// 1 GiB: no object file comes near it; a server that streams garbage is cut off there.
inline constexpr uint64_t kMaxBodyBytes = uint64_t{1} << 30;

// REQUIRES: spec.kind == Kind::kHttp.
std::unique_ptr<RemoteStore> make_http_store(const RemoteSpec& spec);

}  // namespace zccache::remote
