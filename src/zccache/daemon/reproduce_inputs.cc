#include "zccache/daemon/reproduce_inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "zccache/base/unique_fd.h"
#include "zccache/os/path.h"

namespace zccache::daemon {
namespace {

class FileTarSource : public tools::link::TarSource {
 public:
  FileTarSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, size_t n, std::string& out) override {
    out.resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  }

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace

Result<tools::link::ReproduceInputs> reproduce_inputs(const std::string& tar_path) {
  UniqueFd fd(::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return make_error(ErrorCode::kIo, "open " + tar_path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error(ErrorCode::kIo, "fstat " + tar_path + ": " + std::strerror(errno));
  std::string root(os::basename_of(tar_path));
  root = root.substr(0, root.rfind('.'));
  FileTarSource source(fd.get(), static_cast<uint64_t>(st.st_size));
  auto inputs = tools::link::read_reproduce_tar(source, root);
  if (!inputs.ok()) return make_error(inputs.error().code, tar_path + ": " + inputs.error().message);
  return inputs;
}

}  // namespace zccache::daemon
