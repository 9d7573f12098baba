#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: run_one.sh FUZZER SEED_DIR SCRATCH_DIR SECONDS
# New inputs go to SCRATCH_DIR (kept between runs, so later runs start where earlier ones
# stopped); SEED_DIR, the checked-in corpus, is only read. A crash, leak or timeout leaves its
# input in SCRATCH_DIR/../artifacts/ and fails. Prints libFuzzer's last status line.
set -euo pipefail
fuzzer=$1 seeds=$2 scratch=$3 seconds=$4
artifacts="$(dirname "$scratch")/artifacts/$(basename "$scratch")"
mkdir -p "$scratch" "$artifacts"
log="$scratch.log"
# -timeout: one input taking 10 s is a hang (the daemon would stall on it). -rss_limit_mb: the
# parsers must not blow up memory on a small input. -max_len: argv, @files and depfiles this
# size cover every structure; longer inputs only slow the search down.
if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch" "$seeds" >"$log" 2>&1; then
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "$log" | tail -2
  exit 0
fi
tail -60 "$log"
echo "fuzzer $(basename "$fuzzer") failed; inputs in $artifacts, log $log" >&2
exit 1
