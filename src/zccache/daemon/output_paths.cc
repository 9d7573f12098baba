#include "zccache/daemon/output_paths.h"

#include <unistd.h>

#include <sys/stat.h>

#include <atomic>
#include <optional>

#include "zccache/base/posix_error.h"
#include "zccache/daemon/basedir.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"
#include "zccache/os/atomic_file.h"
#include "zccache/tools/depfile.h"

namespace zccache::daemon {
namespace {

std::string extra_role(size_t i) { return "extra" + std::to_string(i); }

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// Writes `data` to `path` atomically with exactly `mode`; with `mtime_ns`, that modification time
// instead of now.
Status write_with_mode(const std::string& path, std::string_view data, mode_t mode,
                       std::optional<int64_t> mtime_ns = std::nullopt) {
  auto file = os::AtomicFile::create(path, mode);
  if (!file.ok()) return file.error();
  ZCCACHE_TRY(file->set_mode(mode));
  ZCCACHE_TRY(file->write(data));
  if (mtime_ns) {
    struct timespec times[2] = {{0, UTIME_OMIT},
                                {static_cast<time_t>(*mtime_ns / 1'000'000'000), static_cast<long>(*mtime_ns % 1'000'000'000)}};
    if (::futimens(file->fd(), times) != 0) return posix_error("futimens", path);
  }
  return file->commit();
}

}  // namespace

std::vector<std::string> user_outputs(const tools::Plan& plan) {
  std::vector<std::string> out{plan.object};
  if (plan.depfile.requested) out.push_back(plan.depfile.path);
  out.insert(out.end(), plan.extra_outputs.begin(), plan.extra_outputs.end());
  return out;
}

bool writable_output(const std::string& abs_path) {
  auto info = os::lstat_path(abs_path);
  return !info.ok() || info->is_regular();
}

void unshare_output(const std::string& abs) {
  auto info = os::lstat_path(abs);
  if (!info.ok() || !info->is_regular() || info->nlink <= 1) return;
  auto content = os::read_file(abs);
  if (!content.ok() || !write_with_mode(abs, *content, info->mode & 07777, info->mtime_ns).ok()) {
    ::unlink(abs.c_str());  // never leave it linked to the cache
  }
}

Status write_output(const std::string& path, std::string_view data, mode_t mode) {
  return write_with_mode(path, data, mode);
}

bool outputs_writable(const tools::Plan& plan, const std::string& cwd) {
  for (const auto& out : user_outputs(plan)) {
    if (!writable_output(os::absolute_from(cwd, out))) return false;
  }
  return true;
}

void unshare_outputs(const tools::Plan& plan, const std::string& cwd) {
  for (const auto& out : user_outputs(plan)) unshare_output(os::absolute_from(cwd, out));
}

std::vector<std::string> expected_depfile_targets(const tools::Plan& plan) {
  if (!plan.depfile.targets.empty()) return plan.depfile.targets;
  return {tools::quote_target(plan.family, plan.object)};
}

Status copy_outputs(const tools::Plan& plan, const std::string& cwd, store::ArtifactStore& artifacts,
                    store::ResultEntry& entry) {
  auto put = [&](const std::string& path, std::string role) -> Status {
    std::string abs = os::absolute_from(cwd, path);
    auto info = os::lstat_path(abs);
    if (!info.ok()) return info.error();
    if (!info->is_regular()) return make_error(ErrorCode::kInvalid, "output is not a regular file: " + path);
    uint64_t size = 0;
    auto digest = artifacts.put_file(abs, &size);
    if (!digest.ok()) return digest.error();
    entry.outputs.push_back({std::move(role), *digest, size});
    return {};
  };
  ZCCACHE_TRY(put(plan.object, "object"));
  for (size_t i = 0; i < plan.extra_outputs.size(); ++i) ZCCACHE_TRY(put(plan.extra_outputs[i], extra_role(i)));

  if (plan.depfile.requested) {
    auto text = os::read_file(os::absolute_from(cwd, plan.depfile.path));
    if (!text.ok()) return text.error();
    auto parsed = tools::parse_depfile(*text);
    if (!parsed) return make_error(ErrorCode::kInvalid, "cannot parse depfile " + plan.depfile.path);
    for (const std::string& dep : parsed->deps) {
      // Delivery would take it for a relocated name (basedir.h); no real build names such a file.
      if (dep.find(kDepfileBasedirMarker) != std::string::npos)
        return make_error(ErrorCode::kInvalid, "depfile names a file holding zccache's marker");
    }
    entry.has_depfile = true;
    entry.depfile_bytes = std::move(text).value();
    // Targets are kept as the plan names them: a -MT with a space is one target to the compiler
    // but two words in the file, so the file's split is compared joined.
    auto expected = expected_depfile_targets(plan);
    entry.depfile_targets = expected;
    entry.depfile_deps = parsed->deps;
    entry.phony_targets = parsed->phony_targets;
    // Re-rendering for another target is allowed only when our model of the compiler's writer
    // reproduces these exact bytes from the targets we would pass it.
    entry.renderable = join(parsed->targets) == join(expected) &&
                       tools::render_depfile(plan.family, expected, parsed->deps, parsed->phony_targets) ==
                           entry.depfile_bytes;
  }
  return {};
}

Result<bool> deliver_result(const tools::Plan& plan, const store::ResultEntry& entry, const std::string& cwd,
                            mode_t mode, store::ArtifactStore& artifacts, std::string_view basedir) {
  std::string depfile;
  if (plan.depfile.requested) {
    if (!entry.has_depfile) return false;
    auto targets = expected_depfile_targets(plan);
    if (depfile_relocated(entry)) {  // stored renderable only; its names follow this checkout
      auto deps = localized_depfile_deps(entry, basedir);
      if (!deps) return false;
      depfile = tools::render_depfile(plan.family, targets, *deps, entry.phony_targets);
    } else if (targets == entry.depfile_targets) {
      depfile = entry.depfile_bytes;
    } else if (entry.renderable) {
      depfile = tools::render_depfile(plan.family, targets, entry.depfile_deps, entry.phony_targets);
    } else {
      return false;
    }
  }
  for (const auto& out : entry.outputs) {
    std::string path;
    if (out.role == "object") {
      path = plan.object;
    } else {
      for (size_t i = 0; i < plan.extra_outputs.size(); ++i)
        if (out.role == extra_role(i)) path = plan.extra_outputs[i];
    }
    if (path.empty()) return make_error(ErrorCode::kCorrupt, "stored output role not in plan: " + out.role);
    ZCCACHE_TRY(artifacts.deliver(out.blob, os::absolute_from(cwd, path), mode));
  }
  if (plan.depfile.requested) ZCCACHE_TRY(write_with_mode(os::absolute_from(cwd, plan.depfile.path), depfile, mode));
  return true;
}

Result<std::string> scan_dependencies(const std::string& compiler, const tools::Plan& plan,
                                      const std::vector<std::string>& env, const std::string& cwd,
                                      const std::string& tmp_dir) {
  static std::atomic<uint64_t> counter{0};
  std::string dep_path = tmp_dir + "/scan-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".d";
  std::vector<std::string> argv{compiler};
  argv.insert(argv.end(), plan.probe_args.begin(), plan.probe_args.end());
  for (const char* a : {"-M", "-MF"}) argv.emplace_back(a);
  argv.push_back(dep_path);
  argv.push_back(plan.source);
  auto out = os::run_capture(argv, &env, cwd);
  auto text = os::read_file(dep_path);
  ::unlink(dep_path.c_str());
  if (!out.ok()) return out.error();
  if (out->exit_code != 0) return make_error(ErrorCode::kIo, "dependency scan failed");
  return text;
}

}  // namespace zccache::daemon
