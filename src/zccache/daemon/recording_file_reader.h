// RecordingFileReader: the FileReader the daemon gives tool parsers (response files, argfiles).
// It remembers each file it read with its digest, for the memo's re-check.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/store/manifest.h"
#include "zccache/tools/file_reader.h"

namespace zccache::daemon {

class RecordingFileReader : public tools::FileReader {
 public:
  std::optional<std::string> read(const std::string& path) override {
    auto r = os::read_file(path);
    if (!r.ok()) {
      complete_ = false;
      return std::nullopt;
    }
    read_.push_back({path, hash::hash_bytes(*r)});
    return std::move(r).value();
  }
  // False when a read failed: the memo cannot re-check what it never saw.
  bool complete() const { return complete_; }
  std::vector<store::FileDigest>& files() { return read_; }

 private:
  std::vector<store::FileDigest> read_;
  bool complete_ = true;
};

}  // namespace zccache::daemon
