# zccache_options: warnings and sanitizers, linked PRIVATE by every target.
add_library(zccache_options INTERFACE)
target_compile_options(zccache_options INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(zccache_options INTERFACE -Wthread-safety)
endif()
# ./test --sanitize and --sanitize=thread build with these, each in its own build directory.
if(ZCCACHE_SANITIZE STREQUAL "thread")
  target_compile_options(zccache_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(zccache_options INTERFACE -fsanitize=thread)
elseif(ZCCACHE_SANITIZE STREQUAL "address" OR ZCCACHE_SANITIZE)
  target_compile_options(zccache_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(zccache_options INTERFACE -fsanitize=address,undefined)
endif()

# zccache_add_tests(<target> SOURCES ... LIBS ...): one GoogleTest binary per part.
function(zccache_add_tests target)
  if(NOT ZCCACHE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main zccache_options)
  # Labelled with the binary's name, so that ./test --sanitize=thread can pick parts (ctest -L).
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 30 PROPERTIES LABELS ${target})
endfunction()
