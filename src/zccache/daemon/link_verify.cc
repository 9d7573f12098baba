#include "zccache/daemon/link_verify.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zccache/base/log.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"

namespace zccache::daemon {
namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

const store::StoredOutput* output_of(const store::ResultEntry& entry, bool map) {
  for (const auto& out : entry.outputs) {
    bool is_map = out.role == kLinkRoleMap;
    if (is_map == map) return &out;
  }
  return nullptr;
}

// The re-run's directory and what is in it, removed when done.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tmp_dir) : path_(tmp_dir + "/relink-XXXXXX") {
    if (!::mkdtemp(path_.data())) path_.clear();
  }
  ~ScratchDir() {
    if (path_.empty()) return;
    for (const auto& f : files_) ::unlink(f.c_str());
    for (const char* sub : {"/m", "/o"}) ::rmdir((path_ + sub).c_str());
    ::rmdir(path_.c_str());
  }
  bool ok() const { return !path_.empty(); }
  // A file `name` in its own subdirectory `sub` (the output and the map may share a name).
  std::string file(const char* sub, std::string_view name) {
    std::string dir = path_ + "/" + sub;
    ::mkdir(dir.c_str(), 0700);
    files_.push_back(dir + "/" + std::string(name));
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

}  // namespace

bool LinkVerdicts::nondeterministic(const hash::Digest& key) const {
  std::lock_guard lock(mutex_);
  return keys_.count(key) != 0;
}

void LinkVerdicts::mark_nondeterministic(const hash::Digest& key) {
  std::lock_guard lock(mutex_);
  if (keys_.size() >= kMaxKeys) keys_.clear();
  keys_.insert(key);
}

RelinkVerdict relink_and_compare(const Relink& relink, const store::ResultEntry& entry, const std::string& tmp_dir,
                                 store::ArtifactStore& artifacts) {
  ScratchDir scratch(tmp_dir);
  if (!scratch.ok()) return RelinkVerdict::kFailed;
  const tools::link::LinkPlan& plan = relink.plan;
  std::string output = scratch.file("o", os::basename_of(plan.output));
  std::string map = plan.map_file.empty() ? std::string() : scratch.file("m", os::basename_of(plan.map_file));
  std::vector<std::string> argv{relink.program};
  auto args = tools::link::redirect_outputs(relink.args, plan, output, map);
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = os::run_capture(argv, &relink.env, relink.cwd);
  if (!run.ok() || run->exit_code != 0) {
    log::debug("relink failed: " + (run.ok() ? run->stderr_data : run.error().message));
    return RelinkVerdict::kFailed;
  }
  // What names the output in the first run's text: the -o value as given.
  auto as_first = [&](const std::string& text) { return replace_all(text, output, plan.output); };
  if (as_first(run->stdout_data) != entry.stdout_data || as_first(run->stderr_data) != entry.stderr_data) {
    log::debug("relink: output text differs");
    return RelinkVerdict::kDifferent;
  }
  const store::StoredOutput* first = output_of(entry, false);
  auto info = os::lstat_path(output);
  auto bytes = os::read_file(output);
  if (!first || !info.ok() || !bytes.ok()) return RelinkVerdict::kFailed;
  auto stored = artifacts.read(first->blob);
  if (!stored.ok()) return RelinkVerdict::kFailed;
  bool executable = (info->mode & 0111) != 0;
  if (*bytes != *stored || executable != (first->role == kLinkRoleExecutable)) {
    log::debug("relink: " + plan.output + " differs");
    return RelinkVerdict::kDifferent;
  }
  if (!map.empty()) {
    const store::StoredOutput* first_map = output_of(entry, true);
    auto map_bytes = os::read_file(map);
    if (!first_map || !map_bytes.ok()) return RelinkVerdict::kFailed;
    auto stored_map = artifacts.read(first_map->blob);
    if (!stored_map.ok()) return RelinkVerdict::kFailed;
    if (as_first(*map_bytes) != *stored_map) {
      log::debug("relink: map " + plan.map_file + " differs");
      return RelinkVerdict::kDifferent;
    }
  }
  return RelinkVerdict::kSame;
}

}  // namespace zccache::daemon
