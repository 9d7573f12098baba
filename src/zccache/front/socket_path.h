// The daemon's socket, found as the client finds it (transport::default_cache_dir and
// transport::endpoint_for; socket_path_test.cc holds the two together).
#pragma once

#include "zccache/front/text.h"

namespace zccache::front {

// From ZCCACHE_DIR, else $HOME/.zccache, else /tmp/zccache-<uid>; relative ones taken from cwd.
// false when a path does not fit.
bool daemon_socket_path(const char* cwd, Text* out);

}  // namespace zccache::front
