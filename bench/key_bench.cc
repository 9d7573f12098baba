// Request key (daemon/request_key.h) of one corpus compile, and the result key over its include
// set: both computed on every lookup that the memo does not answer.
#include <benchmark/benchmark.h>

#include "bench_inputs.h"
#include "zccache/daemon/request_key.h"
#include "zccache/daemon/request_memo.h"
#include "zccache/hash/hasher.h"
#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::bench {
namespace {

void BM_RequestKey(benchmark::State& state) {
  const std::vector<std::string> env = build_environment();
  testing::FakeFileReader reader;
  const tools::Plan plan =
      tools::gcc_clang::make_plan(tools::Family::kGcc, corpus_compile_args(), "/home/dev/src/project", env, reader);
  daemon::CompilerInfo compiler;
  compiler.family = tools::Family::kGcc;
  compiler.identity = hash::hash_bytes("g++ 12.2.0");
  compiler.real_path = "/usr/bin/x86_64-linux-gnu-g++-12";
  const daemon::KeyInputs in{&compiler, &plan, hash::hash_bytes("int main() {}"), "/home/dev/src/project", &env,
                             false};
  for (auto _ : state) benchmark::DoNotOptimize(daemon::request_key(in));
  state.counters["key_args"] = static_cast<double>(plan.key_args.size());
}
BENCHMARK(BM_RequestKey);

// The memo key of a request with the corpus's 283 arguments on the command line (CMake's way:
// flags are not in response files), computed on every request before the memo is asked.
void BM_MemoKey(benchmark::State& state) {
  protocol::CompileRequest req;
  req.compiler = "/usr/bin/clang++";
  req.args = corpus_compile_args();
  req.cwd = "/home/dev/src/project";
  req.env = build_environment();
  for (auto _ : state) benchmark::DoNotOptimize(daemon::memo_key(req));
  state.counters["args"] = static_cast<double>(req.args.size());
}
BENCHMARK(BM_MemoKey);

// 201 (path, digest) pairs: the source and 200 headers.
void BM_ResultKey(benchmark::State& state) {
  std::vector<store::FileDigest> files;
  for (int i = 0; i < 201; ++i) {
    std::string path = "/usr/include/c++/12/bits/header_" + std::to_string(i) + ".h";
    files.push_back({path, hash::hash_bytes(path)});
  }
  const hash::Digest request = hash::hash_bytes("request");
  for (auto _ : state) benchmark::DoNotOptimize(daemon::result_key(request, files));
}
BENCHMARK(BM_ResultKey);

}  // namespace
}  // namespace zccache::bench
