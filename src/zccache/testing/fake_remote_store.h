// FakeRemoteStore: an in-memory RemoteStore for tests, with switches for the faults a real
// server shows (errors, timeouts) and direct access to its contents (to corrupt a value).
// Thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "zccache/remote/remote_store.h"

namespace zccache::testing {

class FakeRemoteStore : public remote::RemoteStore {
 public:
  enum class Fault { kNone, kError, kTimeout };

  Result<std::optional<std::string>> get(std::string_view name) override {
    std::lock_guard lock(mutex_);
    ++gets_;
    if (auto e = fault()) return *e;
    auto it = values_.find(std::string(name));
    if (it == values_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status put(std::string_view name, std::string_view value) override {
    std::lock_guard lock(mutex_);
    ++puts_;
    if (auto e = fault()) return *e;
    values_[std::string(name)] = std::string(value);
    return {};
  }
  Result<bool> exists(std::string_view name) override {
    std::lock_guard lock(mutex_);
    if (auto e = fault()) return *e;
    return values_.count(std::string(name)) > 0;
  }

  void set_fault(Fault f) {
    std::lock_guard lock(mutex_);
    fault_ = f;
  }
  std::map<std::string, std::string> values() {
    std::lock_guard lock(mutex_);
    return values_;
  }
  void set_value(const std::string& name, const std::string& value) {
    std::lock_guard lock(mutex_);
    values_[name] = value;
  }
  int gets() {
    std::lock_guard lock(mutex_);
    return gets_;
  }
  int puts() {
    std::lock_guard lock(mutex_);
    return puts_;
  }

 private:
  std::optional<Error> fault() const {
    if (fault_ == Fault::kError) return make_error(ErrorCode::kProtocol, "fake: HTTP 500");
    if (fault_ == Fault::kTimeout) return make_error(ErrorCode::kTimeout, "fake: timed out");
    return std::nullopt;
  }

  std::mutex mutex_;
  std::map<std::string, std::string> values_;
  Fault fault_ = Fault::kNone;
  int gets_ = 0;
  int puts_ = 0;
};

}  // namespace zccache::testing
