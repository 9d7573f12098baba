// Result<T>: a value or an Error{code, message}. Failures of the environment (I/O, sockets, LMDB,
// malformed frames) travel as Result; "not cacheable" is a Plan outcome, never an Error.
// Success costs one std::variant discriminator.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace zccache {

enum class ErrorCode {
  kIo,          // a system call on a file failed
  kNotFound,    // the file or entry does not exist
  kProtocol,    // a frame or message could not be decoded
  kTransport,   // a socket failed or closed
  kTimeout,     // a deadline passed
  kPermission,  // a peer or file is not ours
  kCorrupt,     // stored data failed its checksum
  kStore,       // the index (LMDB) failed
  kInvalid,     // bad input from the user
};

struct Error {
  ErrorCode code = ErrorCode::kIo;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace zccache

// TRY(expr): return the error of a failed Result/Status from the enclosing function.
#define ZCCACHE_TRY(expr)                              \
  do {                                                 \
    auto&& zccache_try_result_ = (expr);               \
    if (!zccache_try_result_.ok()) return zccache_try_result_.error(); \
  } while (0)
