// zccache_metadata_memory: the daemon's memory for its file knowledge, measured (issue 4: at most
// 64 MiB with 100k tracked files). Creates N small files in D directories under a temp dir, asks
// a MetadataCache with a real inotify watcher for the facts of every one (hash, stat, watch),
// and prints VmRSS before and after and the cost per tracked file. Not a test: it asserts nothing
// and is run by hand (bench/README.md).
//   zccache_metadata_memory [files=100000] [dirs=1000]
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "zccache/fscache/metadata_cache.h"
#include "zccache/watcher/watcher.h"

namespace {

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + std::string(field).size(), nullptr, 10);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  long files = argc > 1 ? std::atol(argv[1]) : 100000;
  long dirs = argc > 2 ? std::atol(argv[2]) : 1000;
  char tmpl[] = "/tmp/zccache-memory-XXXXXX";
  std::string root = ::mkdtemp(tmpl);
  std::vector<std::string> paths;
  paths.reserve(static_cast<size_t>(files));
  for (long d = 0; d < dirs; ++d) {
    std::string dir = root + "/project/include/module" + std::to_string(d);
    std::system(("mkdir -p " + dir).c_str());
    for (long f = d; f < files; f += dirs) {
      std::string path = dir + "/header_file_" + std::to_string(f) + ".h";
      std::ofstream(path) << "#pragma once\nint value_" << f << "(void);\n";
      paths.push_back(path);
    }
  }
  long before = status_kib("VmRSS:");
  auto watcher = zccache::watcher::make_inotify_watcher();
  zccache::fscache::MetadataCache cache(watcher.get());
  size_t ok = 0;
  for (const auto& p : paths) ok += cache.facts(p).ok() ? 1 : 0;
  long after = status_kib("VmRSS:");
  std::printf("tracked files   %zu of %zu (in %ld directories, watched: %zu)\n", cache.size(), paths.size(), dirs,
              watcher ? watcher->watched_count() : 0);
  std::printf("VmRSS before    %ld KiB (paths of the test itself included)\n", before);
  std::printf("VmRSS after     %ld KiB\n", after);
  std::printf("per file        %.0f bytes\n", 1024.0 * static_cast<double>(after - before) / static_cast<double>(ok));
  std::system(("rm -rf " + root).c_str());
  return ok == paths.size() ? 0 : 1;
}
