// FileReader: the narrow file-reading interface tool parsers use (response files), so that they
// stay pure functions testable with a fake. Implementations: os::RealFileReader,
// testing::FakeFileReader.
#pragma once

#include <optional>
#include <string>

namespace zccache::tools {

class FileReader {
 public:
  virtual ~FileReader() = default;
  // The whole content of the file at `path` (absolute or cwd-relative as the caller resolves it),
  // or nullopt when it cannot be read.
  virtual std::optional<std::string> read(const std::string& path) = 0;
};

}  // namespace zccache::tools
