#!/usr/bin/env bash
# Real-world check of RUSTC_WRAPPER=zccache on crates from Debian's registry (offline):
# a library depending on serde (derive), serde_json, regex, anyhow, clap (derive), chrono, tempfile
# and itoa (~35 crates), with itoa patched to a local copy so that a dependency can be edited.
#   1. bare cargo build --release; keep target/release/deps
#   2. cargo clean; zccache cold build; compare every .rlib/.rmeta/.d with the bare build's
#   3. cargo clean; zccache warm build; compare again; every library crate must hit
#   4. sccache cold and warm, when installed (timing only)
#   5. edit itoa's source: the zccache build recompiles itoa and its dependents (no stale rlib),
#      and matches a bare build of the edited tree
# Usage: tests/stress/cargo_realworld.sh [zccache binary]   (default build/release/bin/zccache)
# Installs the librust-*-dev packages it needs. Prints the times; exit 1 on any difference.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
zccache=${1:-$repo/build/release/bin/zccache}
[ -x "$zccache" ] || { echo "cargo_realworld: $zccache not found (run ./build.sh)" >&2; exit 2; }
command -v cargo >/dev/null || { echo "cargo_realworld: cargo not installed" >&2; exit 2; }
pkgs=(librust-serde-json-dev librust-serde-derive-dev librust-regex-dev librust-anyhow-dev librust-clap-dev
      librust-chrono-dev librust-tempfile-dev librust-itoa-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y "${missing[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi

work=$(mktemp -d /tmp/zccache-cargo-realworld-XXXXXX)
trap 'ZCCACHE_DIR=$work/zc "$zccache" stop >/dev/null 2>&1 || true; SCCACHE_DIR=$work/sc sccache --stop-server >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
proj=$work/rw
cd "$work"
cargo new --lib rw -q
cd "$proj"
itoa_src=$(ls -d /usr/share/cargo/registry/itoa-1.* | head -1)
cat >> Cargo.toml <<'EOF'
serde = { version = "1", features = ["derive"] }
serde_json = "1"
regex = "1"
anyhow = "1"
clap = { version = "4", features = ["derive"] }
chrono = "0.4"
tempfile = "3"
itoa = "1"

[patch.crates-io]
itoa = { path = "vendor/itoa" }
EOF
mkdir -p vendor .cargo
cp -r "$itoa_src" vendor/itoa
chmod -R u+w vendor
rm -f vendor/itoa/.cargo-checksum.json
cat > .cargo/config.toml <<'EOF'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
EOF
cat > src/lib.rs <<'EOF'
use clap::Parser;
use serde::{Deserialize, Serialize};
#[derive(Parser, Debug)]
pub struct Args { #[arg(long)] pub name: String }
#[derive(Serialize, Deserialize, Debug)]
pub struct P { pub name: String, pub n: u32 }
pub fn parse(s: &str) -> anyhow::Result<P> { Ok(serde_json::from_str(s)?) }
pub fn re() -> bool { regex::Regex::new("a+b").unwrap().is_match("aaab") }
pub fn now() -> i64 { chrono::Utc::now().timestamp() }
pub fn tmp() -> std::path::PathBuf { tempfile::tempdir().unwrap().into_path() }
pub fn fmt(n: u64) -> String { itoa::Buffer::new().format(n).to_string() }
EOF

unset RUSTC_WRAPPER CARGO_TARGET_DIR RUSTFLAGS CARGO_INCREMENTAL
export ZCCACHE_DIR=$work/zc SCCACHE_DIR=$work/sc
failed=0
timed() {  # timed LABEL cmd...: runs, prints the wall time
  local t0 t1
  t0=$(date +%s.%N)
  "${@:2}" >"$work/out.log" 2>&1 || { cat "$work/out.log" >&2; echo "cargo_realworld: $1 failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  printf '%-28s %7.2f s\n' "$1" "$(echo "$t1 - $t0" | bc)"
}
snapshot() { rm -rf "$work/$1"; mkdir -p "$work/$1"; cp target/release/deps/*.rlib target/release/deps/*.rmeta target/release/deps/*.d "$work/$1/"; }
compare() {  # compare SNAPSHOT LABEL
  local n=0 d=0
  for f in "$work/$1"/*; do
    n=$((n + 1))
    cmp -s "$f" "target/release/deps/$(basename "$f")" || { echo "DIFF $2: $(basename "$f")"; d=$((d + 1)); }
  done
  echo "compared $n files ($2): $d different"
  [ "$d" = 0 ] || failed=1
}
# hits, and misses that compiled (anyhow's build script probes the compiler with a crate that is
# meant to fail: a failed compile is a miss that is never cached)
zstat() {
  "$zccache" status --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hits"], d["misses"] - d.get("compile_failed", 0))'
}

timed "bare cold" cargo build --release
snapshot bare
echo "crates compiled: $(ls target/release/deps/*.rlib | wc -l) rlibs"
cargo clean -q
timed "zccache cold" env RUSTC_WRAPPER="$zccache" cargo build --release
compare bare "zccache cold"
read -r h0 m0 < <(zstat)
sleep 1
cargo clean -q
timed "zccache warm" env RUSTC_WRAPPER="$zccache" cargo build --release
compare bare "zccache warm"
read -r h1 m1 < <(zstat)
echo "zccache warm: $((h1 - h0)) hits, $((m1 - m0)) misses"
[ "$((m1 - m0))" = 0 ] || { echo "zccache warm build was not all hits"; failed=1; }
if command -v sccache >/dev/null; then
  cargo clean -q
  timed "sccache cold" env RUSTC_WRAPPER=sccache cargo build --release
  cargo clean -q
  timed "sccache warm" env RUSTC_WRAPPER=sccache cargo build --release
  compare bare "sccache warm"
fi

# Edit a dependency: itoa and everything that depends on it must be rebuilt, matching bare.
# Appended: the crate starts with inner attributes, which nothing may precede.
echo 'pub fn zccache_realworld_marker() -> u32 { 42 }' >> vendor/itoa/src/lib.rs
cargo clean -q
timed "bare after edit" cargo build --release
snapshot bare-edited
cargo clean -q
read -r h1 m1 < <(zstat)
timed "zccache after edit" env RUSTC_WRAPPER="$zccache" cargo build --release
read -r h2 m2 < <(zstat)
echo "zccache after edit: $((h2 - h1)) hits, $((m2 - m1)) misses (itoa and its dependents)"
compare bare-edited "zccache after edit"
[ "$((m2 - m1))" -ge 2 ] || { echo "the edited dependency was not recompiled"; failed=1; }
exit $failed
