#include "zccache/daemon/include_set.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "zccache/daemon/request_key.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"

namespace zccache::daemon {
namespace {

// Kernel timestamps come from a coarse clock that lags the real one by up to a tick (~4 ms), and
// by more in a VM whose timekeeping vCPU is descheduled (seen: > 5 ms on a loaded 2-vCPU VM); a
// file written just after the compile started may carry a ctime well before start_time.
constexpr int64_t kClockSlackNs = 20'000'000;
// A directory's mtime proves "no entry added" only when it is older than a few clock ticks.
constexpr int64_t kRacyWindowNs = fscache::DirectoryCache::kRacyWindowNs;

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
                                          bool allow_time_macros, fscache::MetadataCache& files,
                                          fscache::DirectoryCache& listings,
                                          const std::set<std::string>& written_dirs,
                                          const std::map<std::string, hash::Digest>* settled,
                                          const CompileEndStats* at_compile_end) {
  IncludeSetBuild out;
  std::set<std::string> seen;
  std::set<std::string> quote_dirs(dirs.quote.begin(), dirs.quote.end());
  std::vector<std::string> probes;  // __has_include names
  std::set<std::string> compared;  // at_compile_end's paths met in dep_paths
  for (const auto& path : dep_paths) {
    if (!seen.insert(path).second) continue;
    std::string abs = os::absolute_from(cwd, path);
    auto info = os::stat_path(abs);
    if (!info.ok()) return info.error();
    bool too_new = std::max(info->mtime_ns, info->ctime_ns) >= start_time_ns - kClockSlackNs;
    if (at_compile_end) {
      auto then = at_compile_end->stats.find(abs);
      if (then == at_compile_end->stats.end() ? at_compile_end->complete : !(then->second == *info)) {
        too_new = true;  // replaced since
      }
      if (then != at_compile_end->stats.end()) compared.insert(abs);
    }
    auto settled_digest = [&]() -> const hash::Digest* {
      if (!settled) return nullptr;
      auto it = settled->find(abs);
      return it == settled->end() ? nullptr : &it->second;
    };
    if (too_new && !settled_digest()) {
      out.refused = tools::Passthrough::kTooNew;
      out.detail = path;
      return out;
    }
    auto facts = files.facts(abs);
    if (!facts.ok()) return facts.error();
    if (too_new && facts->digest != *settled_digest()) {  // it changed while the compile ran
      out.refused = tools::Passthrough::kTooNew;
      out.detail = path;
      return out;
    }
    if (facts->uses_time_macros && !allow_time_macros) {
      out.refused = tools::Passthrough::kDateTime;
      out.detail = path;
      return out;
    }
    out.set.files.push_back({path, facts->digest});
    quote_dirs.insert(std::string(os::dirname_of(path)));
    probes.insert(probes.end(), facts->has_include_names.begin(), facts->has_include_names.end());
  }
  if (at_compile_end && compared.size() != at_compile_end->stats.size()) {
    // A file the compile read is not among dep_paths (a later scan met another tree).
    for (const auto& [abs, info] : at_compile_end->stats) {
      if (!compared.count(abs)) {
        out.refused = tools::Passthrough::kTooNew;
        out.detail = abs;
        return out;
      }
    }
  }

  // Shadow paths: every name a file was found by, in every directory searched before the one
  // that had it (and every __has_include name, in every directory). With 25 -I directories that
  // is ~9,000 names; they are grouped by the name's own subdirectory ("bits/" of
  // "bits/stl_algo.h"), so that the directory that would hold them is spelled once per
  // (search directory, subdirectory) rather than once per name.
  struct SubGroup {
    std::string_view sub;    // the names' part before their last '/', or empty
    std::string_view first;  // one whole name of the group: the holding directory is the same for all
    std::vector<std::string_view> bases;
    bool whole = false;      // names that are no file name ("", "a/"): kept whole, spelled one by one
  };
  auto group = [](const std::vector<std::string_view>& names) {
    std::vector<SubGroup> groups;
    std::unordered_map<std::string_view, size_t> at;
    for (std::string_view name : names) {
      if (name.empty() || name.back() == '/') {
        groups.push_back({{}, name, {name}, true});
        continue;
      }
      size_t slash = name.rfind('/');
      std::string_view sub = slash == std::string_view::npos ? std::string_view() : name.substr(0, slash);
      auto [it, added] = at.try_emplace(sub, groups.size());
      if (added) groups.push_back({sub, name, {}});
      groups[it->second].bases.push_back(os::basename_of(name));
    }
    return groups;
  };
  // found[k]: the names of files found under angle[k]; found[angle.size()]: the probes.
  const size_t n_angle = dirs.angle.size();
  std::vector<std::vector<std::string_view>> found(n_angle + 1);
  for (const auto& file : out.set.files) {
    for (size_t k = 0; k < n_angle; ++k) {
      std::string_view rel = relative_to(file.path, dirs.angle[k]);
      if (rel.empty()) continue;
      found[k].push_back(rel);
      break;
    }
  }
  for (const auto& name : probes) found[n_angle].push_back(name);
  std::vector<std::vector<SubGroup>> groups(n_angle + 1);
  for (size_t k = 0; k <= n_angle; ++k) groups[k] = group(found[k]);

  std::unordered_map<std::string, std::vector<std::string_view>> shadows;  // dir -> names
  // Names of groups[from..] in `dir`.
  auto add_shadows = [&](const std::string& dir, size_t from) {
    for (size_t k = from; k <= n_angle; ++k) {
      for (const SubGroup& g : groups[k]) {
        if (g.whole) {
          for (std::string_view name : g.bases) {
            std::string path = os::join_path(dir, name);
            shadows[std::string(os::dirname_of(path))].push_back(os::basename_of(path));
          }
          continue;
        }
        std::vector<std::string_view>& names = shadows[std::string(os::dirname_of(os::join_path(dir, g.first)))];
        names.insert(names.end(), g.bases.begin(), g.bases.end());
      }
    }
  };
  for (const auto& q : quote_dirs) add_shadows(q, 0);
  for (const auto& m : dirs.missing) add_shadows(m, 0);
  for (size_t j = 0; j < n_angle; ++j) {
    add_shadows(dirs.angle[j], j + 1);  // files found after it, and the probes
  }

  // Shallow directories first, so that DirectoryLookup knows a parent before its subdirectories.
  std::vector<std::pair<long, const std::string*>> ordered;  // (depth, dir)
  ordered.reserve(shadows.size());
  for (auto& [dir, names] : shadows) {
    ordered.emplace_back(std::count(dir.begin(), dir.end(), '/'), &dir);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : *a.second < *b.second;
  });
  fscache::DirectoryLookup lookup(listings);
  int64_t now = os::now_realtime_ns();
  for (const auto& [depth, dir_ptr] : ordered) {
    const std::string& dir = *dir_ptr;
    store::DirState state;
    state.path = dir;
    std::string abs = os::absolute_from(cwd, dir);
    const fscache::DirectoryCache::Listing* list = lookup.listing_of(abs);
    state.exists = list != nullptr;
    // A header created (or a directory changed) after the compile started may not be what the
    // compile saw: the shadow state recorded now would then describe a different compile.
    if (list) {
      std::string plain = abs;
      while (plain.size() > 2 && plain.compare(plain.size() - 2, 2, "/.") == 0) plain.resize(plain.size() - 2);
      bool changed = std::max(list->info.mtime_ns, list->info.ctime_ns) >= start_time_ns - kClockSlackNs;
      if (changed && !written_dirs.count(plain)) {
        out.refused = tools::Passthrough::kTooNew;
        out.detail = dir;
        return out;
      }
    }
    bool mtime_proves = list && now - std::max(list->info.mtime_ns, list->info.ctime_ns) >= kRacyWindowNs;
    for (std::string_view view : shadows[dir]) {
      std::string name(view);
      bool present = list && fscache::DirectoryLookup::contains(*list, abs, name);
      if (present) {
        auto entry = os::lstat_path(os::join_path(abs, name));
        if (!entry.ok() || std::max(entry->mtime_ns, entry->ctime_ns) >= start_time_ns - kClockSlackNs) {
          out.refused = tools::Passthrough::kTooNew;
          out.detail = os::join_path(dir, name);
          return out;
        }
      }
      // A dangling symlink resolves when its target appears, without touching this directory.
      if (list && list->symlinks.count(name)) mtime_proves = false;
      (present ? state.present : state.absent).push_back(std::move(name));
    }
    state.mtime_ns = mtime_proves ? list->info.mtime_ns : 0;
    out.set.dirs.push_back(std::move(state));
  }
  store::share_equal_lists(out.set);
  return out;
}

bool include_set_matches(const store::IncludeSet& set, const std::string& cwd, fscache::MetadataCache& files,
                         fscache::DirectoryCache& listings, const std::vector<std::string>* env) {
  for (const auto& var : set.env) {
    if (!env || store::env_value_digest(find_env(*env, var.name)) != var.digest) return false;
  }
  for (const auto& file : set.files) {
    auto facts = files.facts(os::absolute_from(cwd, file.path));
    if (!facts.ok() || facts->digest != file.digest) return false;
  }
  fscache::DirectoryLookup lookup(listings);
  for (const auto& d : set.dirs) {
    std::string abs = os::absolute_from(cwd, d.path);
    const fscache::DirectoryCache::Listing* list = lookup.listing_of(abs);
    if (!list) {
      if (!d.present.empty()) return false;
      continue;  // still missing: nothing in it can shadow
    }
    if (d.exists && d.mtime_ns != 0 && list->info.mtime_ns == d.mtime_ns) continue;  // no entry added or removed
    for (const auto& name : d.absent)
      if (fscache::DirectoryLookup::contains(*list, abs, name)) return false;
    for (const auto& name : d.present)
      if (!fscache::DirectoryLookup::contains(*list, abs, name)) return false;
  }
  return true;
}

std::optional<store::IncludeSet> merge_include_sets(std::vector<store::IncludeSet> sets) {
  // The sets are taken apart, not copied: a unit behind 25 -I directories brings ~9,000 names,
  // which a copy (one allocation each) and a sort made the largest part of creating a memo entry.
  store::IncludeSet merged;
  std::unordered_map<std::string, size_t> file_at;
  std::unordered_map<std::string, size_t> dir_at;
  for (store::IncludeSet& set : sets) {
    if (!set.env.empty()) return std::nullopt;  // the memo does not carry an environment to check
    for (auto& file : set.files) {
      auto [it, added] = file_at.try_emplace(file.path, merged.files.size());
      if (added) {
        merged.files.push_back(std::move(file));
      } else if (merged.files[it->second].digest != file.digest) {
        return std::nullopt;
      }
    }
    for (auto& dir : set.dirs) {
      auto [it, added] = dir_at.try_emplace(dir.path, merged.dirs.size());
      if (added) {
        merged.dirs.push_back(std::move(dir));
        continue;
      }
      store::DirState& into = merged.dirs[it->second];
      if (into.exists != dir.exists) return std::nullopt;
      if (into.mtime_ns != dir.mtime_ns) into.mtime_ns = 0;  // then the names decide
      for (auto [to, from] : {std::pair{&into.absent, &dir.absent}, std::pair{&into.present, &dir.present}}) {
        if (from->empty()) continue;
        std::vector<std::string>& list = to->edit();
        list.insert(list.end(), from->begin(), from->end());
      }
    }
  }
  for (store::DirState& dir : merged.dirs) {
    for (store::NameList* names : {&dir.absent, &dir.present}) {
      // One set's names are sorted and unique already, and then left shared.
      if (!std::is_sorted(names->begin(), names->end())) {
        std::vector<std::string>& list = names->edit();
        std::sort(list.begin(), list.end());
      }
      if (std::adjacent_find(names->begin(), names->end()) != names->end()) {
        std::vector<std::string>& list = names->edit();
        list.erase(std::unique(list.begin(), list.end()), list.end());
      }
    }
    std::vector<std::string> both;
    std::set_intersection(dir.absent.begin(), dir.absent.end(), dir.present.begin(), dir.present.end(),
                          std::back_inserter(both));
    if (!both.empty()) return std::nullopt;
  }
  store::share_equal_lists(merged);
  return merged;
}

}  // namespace zccache::daemon
