#include "zccache/daemon/reproduce_inputs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "zccache/base/unique_fd.h"
#include "zccache/os/path.h"
#include "zccache/tools/link/tar_names.h"

namespace zccache::daemon {
namespace {

using tools::link::kTarBlock;

// Reads exactly n bytes at offset; false at end of file or on error.
bool read_at(int fd, uint64_t offset, size_t n, std::string& out) {
  out.resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

Result<std::vector<std::string>> reproduce_inputs(const std::string& tar_path) {
  UniqueFd fd(::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return make_error(ErrorCode::kIo, "open " + tar_path + ": " + std::strerror(errno));
  auto bad = [&](const std::string& why) { return make_error(ErrorCode::kCorrupt, tar_path + ": " + why); };
  // lld names the root directory after the archive's file name without its extension.
  std::string stem(os::basename_of(tar_path));
  stem = stem.substr(0, stem.rfind('.'));
  const std::string root = stem + "/";
  std::vector<std::string> names;
  std::string block;
  std::string pax_name;
  uint64_t offset = 0;
  size_t members = 0;
  while (true) {
    if (!read_at(fd.get(), offset, kTarBlock, block)) return bad("truncated");
    auto header = tools::link::parse_tar_header(block);
    if (!header) return bad("not a ustar header");
    if (header->end) break;
    offset += kTarBlock;
    if (header->type == 'x') {  // PAX: the next member's real name
      std::string data;
      if (header->size > (1u << 20) || !read_at(fd.get(), offset, header->size, data)) return bad("bad PAX header");
      auto path = tools::link::pax_path(data);
      if (!path) return bad("PAX header without a path");
      pax_name = *path;
    } else if (header->type == '0' || header->type == '\0') {
      std::string name = pax_name.empty() ? header->name : pax_name;
      pax_name.clear();
      if (name.compare(0, root.size(), root) != 0) return bad("member outside " + root + ": " + name);
      name.erase(0, root.size());
      // The first two members are lld's own; an input whose path collides with them would be
      // missing from the list, and the caller checks every named input is present.
      if (members == 0 && name != "response.txt") return bad("response.txt is not first");
      if (members == 1 && name != "version.txt") return bad("version.txt is not second");
      if (members >= 2) names.push_back("/" + name);
      ++members;
    } else {
      return bad(std::string("unexpected member type ") + header->type);
    }
    offset += tools::link::tar_padded(header->size);
  }
  if (members < 2) return bad("no response.txt and version.txt");
  return names;
}

}  // namespace zccache::daemon
