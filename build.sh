#!/usr/bin/env bash
# Builds Release binaries into build/release/bin/ (zccache, zccache-client, zccache-daemon, zccache-fp). Idempotent: installs
# missing Debian packages, configures once, rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/ensure_packages.sh
ensure_packages "${ZCCACHE_BUILD_PACKAGES[@]}"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DZCCACHE_BUILD_TESTS=OFF >/dev/null
cmake --build build/release
echo "built: $(pwd)/build/release/bin/zccache $(pwd)/build/release/bin/zccache-client $(pwd)/build/release/bin/zccache-daemon $(pwd)/build/release/bin/zccache-fp"
