// The member names of an lld --reproduce archive: which files the link read.
//
// wasm-ld 14 writes no dependency file, and its --trace names only the objects it loaded (not an
// archive it searched and took nothing from, nor a shared library). --reproduce=<file.tar> is the
// linker's own complete record: lld's readFile() appends every file it reads (objects, archives,
// shared libraries) to the tar, under "<tar stem>/" plus the absolute, lexically normalised path
// without its leading '/'; the first two members are response.txt and version.txt. lld's
// TarWriter writes ustar headers (name, or prefix + name) and a PAX extended header ("path=") for
// longer names. Pure: headers in, names out; the caller reads the blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zccache::tools::link {

inline constexpr size_t kTarBlock = 512;

struct TarHeader {
  std::string name;      // ustar prefix + "/" + name (PAX paths are applied by the caller)
  char type = '0';       // '0' or '\0' regular file, 'x' PAX extended header, ...
  uint64_t size = 0;     // bytes of data after the header
  bool end = false;      // an all-zero block: the end of the archive
};

// One 512-byte header block; nullopt when it is not a ustar header (bad magic or checksum field).
std::optional<TarHeader> parse_tar_header(std::string_view block);

// The "path" record of a PAX extended header's data ("<len> path=<value>\n" records).
std::optional<std::string> pax_path(std::string_view data);

// Bytes the data of `size` occupies: rounded up to whole blocks.
inline uint64_t tar_padded(uint64_t size) { return (size + kTarBlock - 1) / kTarBlock * kTarBlock; }

}  // namespace zccache::tools::link
