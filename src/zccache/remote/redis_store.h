// RedisStore: a RemoteStore on a Redis server (hiredis, synchronous API). Each name is one Redis
// string key, "zccache/<name>"; the server's own eviction policy (maxmemory-policy allkeys-lru is
// what a cache wants) decides what goes.
//
// Connections are pooled (at most kMaxIdle kept); one that failed or timed out is closed, never
// reused, since hiredis may have half a reply buffered in it. AUTH (with the user name for Redis 6
// ACLs) and SELECT run once per connection.
// Thread-safe: each call uses a connection of its own.
#pragma once

#include <memory>

#include "zccache/remote/remote_spec.h"
#include "zccache/remote/remote_store.h"

namespace zccache::remote {

// REQUIRES: spec.kind == Kind::kRedis. Connects lazily: never fails here.
std::unique_ptr<RemoteStore> make_redis_store(const RemoteSpec& spec);

}  // namespace zccache::remote
