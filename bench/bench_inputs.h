// Inputs shared by the microbenchmarks, shaped like one compile of the ./perf corpus
// (bench/corpus.py): 283 flags once the response files are expanded (-std, -O1, -Iinclude,
// 200 -D, 50 -I, 30 warnings), a 60-variable environment, and a temporary source tree with
// ~200 headers behind 51 include directories.
//
// Deterministic: the same bytes every run, so that numbers from two runs compare.
// Not thread-safe; build each input once per benchmark, outside the timed loop.
#pragma once

#include <string>
#include <vector>

#include "zccache/daemon/compiler_registry.h"

namespace zccache::bench {

inline constexpr int kCorpusFlagCount = 283;

// The 283 expanded flags of the corpus (no -c, source or -o).
std::vector<std::string> corpus_flags();
// corpus_flags() plus "-c src/u0.cpp -o out/u0.o": argv after the compiler of one unit.
std::vector<std::string> corpus_compile_args();
// The same compile as the corpus writes it: "@flags.rsp -c src/u0.cpp -o out/u0.o", with
// flags.rsp -> @warnings.rsp -> @defines.rsp. Paired with corpus_response_files().
std::vector<std::string> corpus_rsp_compile_args();
// (path relative to the cwd, content) of flags.rsp, warnings.rsp, defines.rsp.
std::vector<std::pair<std::string, std::string>> corpus_response_files();

// 60 "NAME=VALUE" strings like a build shell's environment (PATH, HOME, LANG, CI variables, ...).
std::vector<std::string> build_environment();

// A real directory tree under /tmp, removed by the destructor. Layout:
//   src/u0.cpp                         the source
//   include/proj/hNN.h                 20 project headers
//   inc/dNN/unused_dNN.h               50 extra include directories, as in the corpus
//   sys/<7 dirs>                       180 "system" headers (top level, bits/, sys/, ...) in
//                                      g++ 12's seven system directories' order
//   flags.rsp, warnings.rsp, defines.rsp   corpus_response_files()
// Every file is older than the caches' racy window when the constructor returns, so the
// metadata and directory caches memoize what they learn.
class SourceTree {
 public:
  SourceTree();
  ~SourceTree();
  SourceTree(const SourceTree&) = delete;
  SourceTree& operator=(const SourceTree&) = delete;

  const std::string& root() const { return root_; }  // the compile's working directory
  // The files one compile read, spelled as gcc writes them in a depfile: source first, project
  // headers relative to the cwd, system headers absolute.
  const std::vector<std::string>& dep_paths() const { return dep_paths_; }
  // -Iinclude, -Iinc/d00..d49 (relative, as given), then the system directories (absolute).
  const daemon::SearchDirs& search_dirs() const { return dirs_; }
  uint64_t header_bytes() const { return header_bytes_; }

 private:
  std::string root_;
  std::vector<std::string> dep_paths_;
  daemon::SearchDirs dirs_;
  uint64_t header_bytes_ = 0;
};

// One tree for the whole run (writing it takes ~0.2 s), made on first use.
SourceTree& shared_source_tree();

}  // namespace zccache::bench
