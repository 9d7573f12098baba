// What an lld link read, from the archive it writes for --reproduce=<file.tar>. The one reader of
// that archive: wasm-ld called directly (direct_link_compile.cc) and under emcc (emcc_link.cc).
//
// wasm-ld 14 writes no dependency file (and ignores LLD_REPRODUCE), and its --trace names only the
// objects it loaded (not an archive it searched and took nothing from, nor a shared library).
// --reproduce is the linker's own complete record: lld's readFile() appends every file it reads
// (objects, archives, shared libraries, symbol files) to the tar, under "<root>/" plus the
// absolute, lexically normalised path without its leading '/', where <root> is the archive's file
// name without its extension. The first two members are <root>/response.txt (the command line,
// one argument a line, with the -L directories as given) and <root>/version.txt. lld's TarWriter
// writes regular files only, with ustar headers (name, or prefix + name) and a PAX extended header
// ("path=") before a member whose name does not fit; it adds a name once, so an input whose path
// is /response.txt or /version.txt is left out of the archive.
//
// Pure: the bytes come through TarSource, which the daemon implements with pread so that only the
// headers and response.txt are read, never the copies of the inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/result.h"

namespace zccache::tools::link {

inline constexpr size_t kTarBlock = 512;

// Random access to the archive's bytes.
class TarSource {
 public:
  virtual ~TarSource() = default;
  virtual uint64_t size() const = 0;
  // The `n` bytes at `offset` into `out`; false when they cannot be read.
  // REQUIRES: offset + n <= size().
  virtual bool read(uint64_t offset, size_t n, std::string& out) = 0;
};

struct ReproduceInputs {
  // Absolute paths, lexically normal, in the order the linker read them.
  std::vector<std::string> files;
  // The -L directories of response.txt, in order, as given (relative ones from the link's cwd).
  std::vector<std::string> search_dirs;
};

// A kCorrupt error when the archive is not one lld wrote under `root`: truncated (no end-of-archive
// block, data past the end), a damaged header, a member that is not a regular file or a PAX
// header, a member outside "<root>/", or response.txt and version.txt not the first two members.
Result<ReproduceInputs> read_reproduce_tar(TarSource& tar, std::string_view root);

// The pieces of the format, for read_reproduce_tar and its tests.
struct TarHeader {
  std::string name;      // ustar prefix + "/" + name (a PAX path replaces it)
  char type = '0';       // '0' or '\0' regular file, 'x' PAX extended header, ...
  uint64_t size = 0;     // bytes of data after the header
  bool end = false;      // an all-zero block: the end of the archive
};

// One 512-byte header block; nullopt when it is not a ustar header (bad magic or size field).
std::optional<TarHeader> parse_tar_header(std::string_view block);

// The "path" record of a PAX extended header's data ("<len> path=<value>\n" records); nullopt
// when there is none or a record is malformed.
std::optional<std::string> pax_path(std::string_view data);

// Bytes the data of `size` occupies: rounded up to whole blocks.
inline uint64_t tar_padded(uint64_t size) { return (size + kTarBlock - 1) / kTarBlock * kTarBlock; }

}  // namespace zccache::tools::link
