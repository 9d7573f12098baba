// Frame codec (protocol/codec.h) for the one request of a cached compile: the client encodes it,
// the daemon decodes it, on every hit.
#include <benchmark/benchmark.h>

#include "bench_inputs.h"
#include "zccache/protocol/codec.h"

namespace zccache::bench {
namespace {

// 287 args (the 283 corpus flags + -c src -o obj) and a 60-variable environment.
protocol::Message corpus_request() {
  protocol::CompileRequest req;
  req.client_version = "0.1.0";
  req.compiler = "/usr/bin/g++";
  req.args = corpus_compile_args();
  req.cwd = "/home/dev/src/project/build";
  req.env = build_environment();
  return req;
}

void BM_EncodeCompileRequest(benchmark::State& state) {
  const protocol::Message msg = corpus_request();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string frame = protocol::encode_frame(msg);
    bytes = frame.size();
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["frame_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeCompileRequest);

void BM_DecodeCompileRequest(benchmark::State& state) {
  const std::string frame = protocol::encode_frame(corpus_request());
  const std::string_view payload = std::string_view(frame).substr(protocol::kHeaderBytes);
  for (auto _ : state) {
    auto msg = protocol::decode_payload(protocol::MessageType::kCompileRequest, payload);
    if (!msg.ok()) {
      state.SkipWithError(msg.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(msg);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_DecodeCompileRequest);

}  // namespace
}  // namespace zccache::bench
