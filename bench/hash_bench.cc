// Content hashing (hash/hasher.h): what a cold lookup pays per byte of every header it reads.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "zccache/hash/hasher.h"

namespace zccache::bench {
namespace {

std::string pseudo_random_bytes(size_t size) {
  std::string data(size, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& c : data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return data;
}

void BM_HashBytes(benchmark::State& state) {
  const std::string data = pseudo_random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hash::hash_bytes(data));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_HashBytes)->Arg(1 << 20)->Arg(8 << 10);

// The streaming form the store uses while it copies a file: 64 KiB reads.
void BM_HasherStreaming(benchmark::State& state) {
  const std::string data = pseudo_random_bytes(static_cast<size_t>(state.range(0)));
  constexpr size_t kChunk = 64 << 10;
  for (auto _ : state) {
    hash::Hasher hasher;
    for (size_t off = 0; off < data.size(); off += kChunk)
      hasher.add_raw(data.data() + off, std::min(kChunk, data.size() - off));
    benchmark::DoNotOptimize(hasher.finish());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_HasherStreaming)->Arg(1 << 20);

}  // namespace
}  // namespace zccache::bench
