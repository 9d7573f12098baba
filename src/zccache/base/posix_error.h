// posix_error: turns errno into an Error once, at the OS boundary, with the operation and path.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "zccache/base/result.h"

namespace zccache {

inline Error posix_error(std::string_view operation, std::string_view path, int err = errno) {
  std::string msg(operation);
  if (!path.empty()) {
    msg += " ";
    msg += path;
  }
  msg += ": ";
  msg += std::strerror(err);
  return Error{err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, std::move(msg)};
}

}  // namespace zccache
