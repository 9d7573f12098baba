#include "zccache/daemon/memo_watch.h"

#include <algorithm>

#include "zccache/os/path.h"

namespace zccache::daemon {
namespace {

// The directory whose generation vouches that `dir` (which has no watched listing) is still
// missing: the nearest ancestor with a watched listing that lacks the next component as a
// directory. nullopt when that component exists (then `dir` may exist but is not watched).
// An ancestor that has no listing yet is listed (the compile's lookups never list the parent of a
// missing directory); that costs a readdir once, on a request that checks its inputs anyway.
std::optional<std::string> missing_dir_witness(const std::string& dir, fscache::DirectoryCache& listings) {
  // First by lookups alone: the nearest ancestor with a watched listing. When it lacks the next
  // component, nothing between it and `dir` exists and it is the witness the walk below would
  // find too, without trying to list each missing directory on the way (a watch, a statfs and a
  // stat each, on every check: three quarters of a checked memo hit behind 50 -I directories).
  std::string child = dir;
  for (;;) {
    std::string parent(os::dirname_of(child));
    if (parent == child || parent.empty() || parent == ".") break;
    if (auto up = listings.watched_listing(parent)) {
      std::string name(os::basename_of(child));
      if (!up->dirs.count(name) && !up->symlinks.count(name)) return parent;
      break;  // a directory on the way exists without a watched listing: the walk below lists it
    }
    child = std::move(parent);
  }
  child = dir;
  for (;;) {
    std::string parent(os::dirname_of(child));
    if (parent == child || parent.empty() || parent == ".") return std::nullopt;
    auto up = listings.watched_listing(parent);
    if (!up && fscache::DirectoryLookup(listings).listing_of(parent)) {
      up = listings.watched_listing(parent);
    }
    if (up) {
      std::string name(os::basename_of(child));
      if (up->dirs.count(name) || up->symlinks.count(name)) return std::nullopt;
      return parent;
    }
    child = std::move(parent);
  }
}

}  // namespace

std::optional<std::vector<std::string>> memo_watch_dirs(const MemoEntry& memo, const std::string& cwd,
                                                        fscache::DirectoryCache& listings,
                                                        fscache::MetadataCache* files) {
  std::vector<std::string> dirs;
  auto add_file = [&](const std::string& path) {
    if (files) {
      auto found = files->lookup(path, std::nullopt);  // never reads: only what the cache vouches for
      if (!found.ok() || !found->facts || !found->watched) return false;
    }
    std::string_view dir = os::dirname_of(path);
    if (dirs.empty() || dirs.back() != dir) dirs.emplace_back(dir);  // neighbours often share it: less to sort
    return true;
  };
  for (const auto& file : memo.inputs.files) {
    if (!add_file(os::absolute_from(cwd, file.path))) return std::nullopt;
  }
  for (const MemoUnit& unit : memo.units) {
    if (!add_file(os::absolute_from(cwd, unit.plan.source))) return std::nullopt;
  }
  for (const auto& d : memo.inputs.dirs) {
    std::string abs = os::absolute_from(cwd, d.path);
    if (auto list = listings.watched_listing(abs)) {
      // Only with symlinks in it: count() hashes the name even in an empty set (8,640 names
      // behind 50 -I directories, on every checked repeat).
      if (!list->symlinks.empty()) {
        for (const auto* names : {&d.absent, &d.present}) {
          for (const auto& name : *names) {
            if (list->symlinks.count(name)) return std::nullopt;
          }
        }
      }
      dirs.push_back(std::move(abs));
      continue;
    }
    auto witness = missing_dir_witness(abs, listings);
    if (witness) {
      dirs.push_back(std::move(*witness));
    } else if (!files) {
      dirs.push_back(std::move(abs));  // exists, listing not cached yet: the checks will list it
    } else {
      return std::nullopt;
    }
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  return dirs;
}

}  // namespace zccache::daemon
