# Sourced by ./build.sh, ./test and ./perf: installs the Debian packages that are missing.
# ensure_packages PKG...   (apt-get update runs at most once per call, only when something is missing)
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing missing packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# What every build needs (see README "Dependencies" for why each is there).
ZCCACHE_BUILD_PACKAGES=(cmake ninja-build g++ pkg-config liblmdb-dev libxxhash-dev nlohmann-json3-dev libhiredis-dev
                        libcurl4-openssl-dev lld libjemalloc-dev musl-dev)
# The remote tier's end-to-end tests start these servers themselves on loopback ports (redis-cli
# comes with redis-server; nginx has the WebDAV module built in).
ZCCACHE_REMOTE_TEST_PACKAGES=(redis-server nginx)
