// The version the client and daemon compare: a daemon of another version is restarted.
#pragma once

namespace zccache {

inline constexpr const char* kVersion = "0.3.0";

}  // namespace zccache
