// argv -> Plan (tools/gcc_clang/parse.h) for one compile of the corpus, with its 283 flags given
// literally and through the nested response files the corpus uses.
#include <benchmark/benchmark.h>

#include "bench_inputs.h"
#include "zccache/os/file_info.h"
#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::bench {
namespace {

class DiskReader : public tools::FileReader {
 public:
  std::optional<std::string> read(const std::string& path) override {
    auto r = os::read_file(path);
    if (!r.ok()) return std::nullopt;
    return std::move(r).value();
  }
};

void check_plan(benchmark::State& state, const tools::Plan& plan) {
  if (plan.passthrough != tools::Passthrough::kNone || plan.args.size() != kCorpusFlagCount + 4)
    state.SkipWithError("unexpected plan");
}

void BM_MakePlan(benchmark::State& state) {
  const std::vector<std::string> args = corpus_compile_args();
  const std::vector<std::string> env = build_environment();
  testing::FakeFileReader reader;
  for (auto _ : state) {
    tools::Plan plan = tools::gcc_clang::make_plan(tools::Family::kGcc, args, "/home/dev/src/project", env, reader);
    benchmark::DoNotOptimize(plan);
  }
  check_plan(state, tools::gcc_clang::make_plan(tools::Family::kGcc, args, "/home/dev/src/project", env, reader));
}
BENCHMARK(BM_MakePlan);

// @flags.rsp -> @warnings.rsp -> @defines.rsp from memory: the tokenizer's share.
void BM_MakePlanResponseFilesInMemory(benchmark::State& state) {
  const std::vector<std::string> args = corpus_rsp_compile_args();
  const std::vector<std::string> env = build_environment();
  testing::FakeFileReader reader;
  for (const auto& [name, text] : corpus_response_files()) reader.add("/home/dev/src/project/" + name, text);
  for (auto _ : state) {
    tools::Plan plan = tools::gcc_clang::make_plan(tools::Family::kGcc, args, "/home/dev/src/project", env, reader);
    benchmark::DoNotOptimize(plan);
  }
  check_plan(state, tools::gcc_clang::make_plan(tools::Family::kGcc, args, "/home/dev/src/project", env, reader));
}
BENCHMARK(BM_MakePlanResponseFilesInMemory);

// The same, reading the three files from disk (page cache) as the daemon does.
void BM_MakePlanResponseFilesOnDisk(benchmark::State& state) {
  const std::vector<std::string> args = corpus_rsp_compile_args();
  const std::vector<std::string> env = build_environment();
  const std::string& cwd = shared_source_tree().root();
  DiskReader reader;
  for (auto _ : state) {
    tools::Plan plan = tools::gcc_clang::make_plan(tools::Family::kGcc, args, cwd, env, reader);
    benchmark::DoNotOptimize(plan);
  }
  check_plan(state, tools::gcc_clang::make_plan(tools::Family::kGcc, args, cwd, env, reader));
}
BENCHMARK(BM_MakePlanResponseFilesOnDisk);

}  // namespace
}  // namespace zccache::bench
