// FakeFileReader: an in-memory FileReader for parser tests. Paths are matched exactly as given.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "zccache/tools/file_reader.h"

namespace zccache::testing {

class FakeFileReader : public tools::FileReader {
 public:
  void add(const std::string& path, std::string content) { files_[path] = std::move(content); }
  std::optional<std::string> read(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace zccache::testing
