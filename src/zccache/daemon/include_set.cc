#include "zccache/daemon/include_set.h"

#include <sys/stat.h>

#include <set>

#include "zccache/os/file_info.h"
#include "zccache/os/path.h"

namespace zccache::daemon {
namespace {

// Kernel timestamps come from a coarse clock that lags the real one by up to a tick (~4 ms); a
// file written just after the compile started may carry a ctime slightly before start_time.
constexpr int64_t kClockSlackNs = 20'000'000;

bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The part of `path` below search directory `dir`, or empty when it is not below it.
std::string_view relative_to(std::string_view path, std::string_view dir) {
  if (dir.empty() || path.size() <= dir.size() + 1 || path.substr(0, dir.size()) != dir) return {};
  if (dir.back() == '/') return path.substr(dir.size());
  if (path[dir.size()] != '/') return {};
  return path.substr(dir.size() + 1);
}

}  // namespace

Result<IncludeSetBuild> build_include_set(const std::vector<std::string>& dep_paths, const SearchDirs& dirs,
                                          const std::string& cwd, int64_t start_time_ns,
                                          bool allow_time_macros, fscache::MetadataCache& files) {
  IncludeSetBuild out;
  std::set<std::string> seen;
  std::set<std::string> quote_dirs(dirs.quote.begin(), dirs.quote.end());
  std::vector<std::string> probes;  // __has_include names
  for (const auto& path : dep_paths) {
    if (!seen.insert(path).second) continue;
    std::string abs = os::absolute_from(cwd, path);
    auto info = os::stat_path(abs);
    if (!info.ok()) return info.error();
    if (std::max(info->mtime_ns, info->ctime_ns) >= start_time_ns - kClockSlackNs) {
      out.refused = tools::Passthrough::kTooNew;
      out.detail = path;
      return out;
    }
    auto facts = files.facts(abs);
    if (!facts.ok()) return facts.error();
    if (facts->uses_time_macros && !allow_time_macros) {
      out.refused = tools::Passthrough::kDateTime;
      out.detail = path;
      return out;
    }
    out.set.files.push_back({path, facts->digest});
    quote_dirs.insert(std::string(os::dirname_of(path)));
    probes.insert(probes.end(), facts->has_include_names.begin(), facts->has_include_names.end());
  }

  std::set<std::string> shadow_paths;
  auto add_shadow = [&](const std::string& dir, std::string_view rel) {
    shadow_paths.insert(os::join_path(dir, rel));
  };
  for (const auto& file : out.set.files) {
    const std::string& path = file.path;
    for (size_t k = 0; k < dirs.angle.size(); ++k) {
      std::string_view rel = relative_to(path, dirs.angle[k]);
      if (rel.empty()) continue;
      for (const auto& q : quote_dirs) add_shadow(q, rel);
      for (size_t j = 0; j < k; ++j) add_shadow(dirs.angle[j], rel);
      break;
    }
  }
  for (const auto& name : probes) {
    for (const auto& q : quote_dirs) add_shadow(q, name);
    for (const auto& d : dirs.angle) add_shadow(d, name);
  }
  for (const auto& file : out.set.files) shadow_paths.erase(file.path);  // the header itself
  for (const auto& p : shadow_paths) {
    out.set.dirs.push_back({p, path_exists(os::absolute_from(cwd, p)), 0});
  }
  return out;
}

bool include_set_matches(const store::IncludeSet& set, const std::string& cwd, fscache::MetadataCache& files) {
  for (const auto& file : set.files) {
    auto facts = files.facts(os::absolute_from(cwd, file.path));
    if (!facts.ok() || facts->digest != file.digest) return false;
  }
  for (const auto& d : set.dirs) {
    if (path_exists(os::absolute_from(cwd, d.path)) != d.exists) return false;
  }
  return true;
}

}  // namespace zccache::daemon
