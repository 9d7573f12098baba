# Every dependency is a Debian package; see README "Dependencies" for why each is here.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# LMDB: the artifact index (embedded, ACID, many concurrent readers).
find_path(LMDB_INCLUDE_DIR lmdb.h REQUIRED)
find_library(LMDB_LIBRARY lmdb REQUIRED)
add_library(zccache_lmdb INTERFACE)
target_include_directories(zccache_lmdb INTERFACE ${LMDB_INCLUDE_DIR})
target_link_libraries(zccache_lmdb INTERFACE ${LMDB_LIBRARY})

# xxHash: XXH3-128 content hashes.
find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
find_library(XXHASH_LIBRARY NAMES libxxhash.a xxhash REQUIRED)
add_library(zccache_xxhash INTERFACE)
target_include_directories(zccache_xxhash INTERFACE ${XXHASH_INCLUDE_DIR})
target_link_libraries(zccache_xxhash INTERFACE ${XXHASH_LIBRARY})

# nlohmann-json: JSON for `status --json` (daemon side only).
find_package(nlohmann_json 3 REQUIRED)

# hiredis and libcurl: the remote tier's Redis and HTTP backends (daemon only, never the client).
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
add_library(zccache_hiredis INTERFACE)
target_link_libraries(zccache_hiredis INTERFACE PkgConfig::HIREDIS)
# libcurl's headers only: the daemon loads libcurl.so.4 with dlopen when an HTTP remote is used
# (src/zccache/remote/curl_api.h says why).
find_package(CURL REQUIRED)
add_library(zccache_curl INTERFACE)
target_include_directories(zccache_curl INTERFACE ${CURL_INCLUDE_DIRS})
target_link_libraries(zccache_curl INTERFACE ${CMAKE_DL_LIBS})

# jemalloc: the daemon's allocator (never the client's; optional, and left out under a sanitizer,
# which brings its own). A warm hit allocates and frees a few hundred small strings (the decoded
# request, its journal entry and line); with glibc's malloc the daemon spent 15-20 µs more CPU per
# hit (README "jemalloc in the daemon").
pkg_check_modules(JEMALLOC IMPORTED_TARGET jemalloc)

if(ZCCACHE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ZCCACHE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
