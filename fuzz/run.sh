#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build/fuzz and runs each for a while.
#   fuzz/run.sh                  every target, 300 s each
#   fuzz/run.sh 3600 depfile     one target (protocol_decode, gcc_clang_plan, response_file, depfile)
# New inputs accumulate in build/fuzz/fuzz/scratch/<target>/ (the same directories ./test's short
# runs use), the checked-in seeds in fuzz/corpus/<target>/ are only read. A crash stops the run and
# leaves its input in build/fuzz/fuzz/scratch/artifacts/<target>/; reproduce it with
#   build/fuzz/bin/zccache_<target>_fuzzer <that file>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(protocol_decode gcc_clang_plan response_file depfile)
. scripts/ensure_packages.sh
ensure_packages "${ZCCACHE_BUILD_PACKAGES[@]}" clang libclang-rt-14-dev
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DZCCACHE_BUILD_FUZZERS=ON -DZCCACHE_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz --target zccache_fuzzers
for t in "${targets[@]}"; do
  echo "== $t (${seconds} s)"
  fuzz/run_one.sh "build/fuzz/bin/zccache_${t}_fuzzer" "fuzz/corpus/$t" "build/fuzz/fuzz/scratch/$t" "$seconds"
done
