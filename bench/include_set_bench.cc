// The level-2 lookup of a hit (daemon/include_set.h) on a real tree: 201 files read by the compile
// (the source and 200 headers) behind 51 -I directories and 7 system directories, and the
// manifest that stores such sets (store/manifest.h).
//
// Three states of the daemon's caches:
//   Stat     caches filled, no watcher: one stat per file and per directory (NFS, FUSE, or
//            ZCCACHE_NO_WATCH), no hashing.
//   Watched  caches filled under an inotify watcher: a drain() and no stat at all.
//   Cold     fresh caches (first lookup after the daemon starts): every header read and hashed.
#include <benchmark/benchmark.h>

#include "bench_inputs.h"
#include "zccache/daemon/include_set.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/store/manifest.h"
#include "zccache/watcher/watcher.h"

namespace zccache::bench {
namespace {

store::IncludeSet build_set(const SourceTree& tree, fscache::MetadataCache& files, fscache::DirectoryCache& listings,
                            benchmark::State& state) {
  auto built = daemon::build_include_set(tree.dep_paths(), tree.search_dirs(), tree.root(), os::now_realtime_ns(),
                                         false, files, listings);
  if (!built.ok()) {
    state.SkipWithError(built.error().message.c_str());
    return {};
  }
  if (built->refused != tools::Passthrough::kNone) state.SkipWithError(("refused: " + built->detail).c_str());
  return std::move(built->set);
}

void set_counters(benchmark::State& state, const store::IncludeSet& set) {
  size_t names = 0;
  for (const auto& d : set.dirs) names += d.absent.size() + d.present.size();
  state.counters["files"] = static_cast<double>(set.files.size());
  state.counters["dirs"] = static_cast<double>(set.dirs.size());
  state.counters["shadow_names"] = static_cast<double>(names);
}

void match_loop(benchmark::State& state, const store::IncludeSet& set, const std::string& cwd,
                fscache::MetadataCache& files, fscache::DirectoryCache& listings, watcher::Watcher* watcher) {
  for (auto _ : state) {
    if (watcher) watcher->drain();
    if (!daemon::include_set_matches(set, cwd, files, listings)) {
      state.SkipWithError("the include set no longer matches");
      break;
    }
  }
  set_counters(state, set);
}

void BM_IncludeSetMatchStat(benchmark::State& state) {
  SourceTree& tree = shared_source_tree();
  fscache::MetadataCache files;
  fscache::DirectoryCache listings;
  const store::IncludeSet set = build_set(tree, files, listings, state);
  match_loop(state, set, tree.root(), files, listings, nullptr);
}
BENCHMARK(BM_IncludeSetMatchStat);

void BM_IncludeSetMatchWatched(benchmark::State& state) {
  SourceTree& tree = shared_source_tree();
  std::unique_ptr<watcher::Watcher> watcher = watcher::make_inotify_watcher();
  if (!watcher) {
    state.SkipWithError("inotify unavailable");
    return;
  }
  fscache::MetadataCache files(watcher.get());
  fscache::DirectoryCache listings(watcher.get());
  const store::IncludeSet set = build_set(tree, files, listings, state);
  daemon::include_set_matches(set, tree.root(), files, listings);  // the first match fills what the build did not
  match_loop(state, set, tree.root(), files, listings, watcher.get());
  state.counters["watched_dirs"] = static_cast<double>(watcher->watched_count());
}
BENCHMARK(BM_IncludeSetMatchWatched);

void BM_IncludeSetMatchCold(benchmark::State& state) {
  SourceTree& tree = shared_source_tree();
  store::IncludeSet set;
  {
    fscache::MetadataCache files;
    fscache::DirectoryCache listings;
    set = build_set(tree, files, listings, state);
  }
  for (auto _ : state) {
    fscache::MetadataCache files;
    fscache::DirectoryCache listings;
    if (!daemon::include_set_matches(set, tree.root(), files, listings)) {
      state.SkipWithError("the include set no longer matches");
      break;
    }
  }
  set_counters(state, set);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(tree.header_bytes()));
}
BENCHMARK(BM_IncludeSetMatchCold);

// The store side of a miss: the include set from the compile's dependency list (caches warm).
void BM_BuildIncludeSet(benchmark::State& state) {
  SourceTree& tree = shared_source_tree();
  fscache::MetadataCache files;
  fscache::DirectoryCache listings;
  store::IncludeSet set = build_set(tree, files, listings, state);
  for (auto _ : state) benchmark::DoNotOptimize(build_set(tree, files, listings, state));
  set_counters(state, set);
}
BENCHMARK(BM_BuildIncludeSet);

// A manifest of N include sets like the one above (one per configuration seen).
store::Manifest corpus_manifest(benchmark::State& state, int entries) {
  SourceTree& tree = shared_source_tree();
  fscache::MetadataCache files;
  fscache::DirectoryCache listings;
  store::IncludeSet set = build_set(tree, files, listings, state);
  store::Manifest manifest;
  for (int i = 0; i < entries; ++i) {
    set.result_key = hash::hash_bytes("result " + std::to_string(i));
    store::add_include_set(manifest, set);
  }
  return manifest;
}

void BM_EncodeManifest(benchmark::State& state) {
  const store::Manifest manifest = corpus_manifest(state, static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string encoded = store::encode_manifest(manifest);
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["manifest_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeManifest)->Arg(1)->Arg(8);

void BM_DecodeManifest(benchmark::State& state) {
  const std::string encoded = store::encode_manifest(corpus_manifest(state, static_cast<int>(state.range(0))));
  for (auto _ : state) {
    auto manifest = store::decode_manifest(encoded);
    if (!manifest) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(manifest);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(encoded.size()));
}
BENCHMARK(BM_DecodeManifest)->Arg(1)->Arg(8);

}  // namespace
}  // namespace zccache::bench
