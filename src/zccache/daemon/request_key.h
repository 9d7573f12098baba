// The request key of a C/C++ compile (DESIGN.md §3, level 1): everything known before the
// compile that can change its outputs, except the include set (level 2, the manifest).
// Pure: a function of its inputs, unit-tested for which changes alter the key and which do not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zccache/daemon/compiler_registry.h"
#include "zccache/hash/digest.h"
#include "zccache/store/manifest.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon {

// Environment variables that change what gcc/clang produce or print, and why:
inline constexpr const char* kKeyEnvVars[] = {
    "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",  // extra include dirs
    "SOURCE_DATE_EPOCH",                                                 // value of __DATE__/__TIME__
    "LANG", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANGUAGE",             // diagnostics language/charset
    "COMPILER_PATH", "GCC_EXEC_PREFIX",                                  // which cc1/as the driver runs
    "CCC_OVERRIDE_OPTIONS",                                              // clang rewrites its argv
    "GCC_COLORS", "GCC_URLS", "TERM_URLS", "COLORTERM",                  // escape codes in diagnostics
    "GCC_EXTRA_DIAGNOSTIC_OUTPUT",                                       // fix-it hints in stderr
    "GCC_COMPARE_DEBUG",                                                 // runs a second compile
    "SDKROOT", "MACOSX_DEPLOYMENT_TARGET",                               // clang target defaults
};

// Looks up NAME in "NAME=VALUE" strings; nullptr when unset (unset differs from empty).
const char* find_env(const std::vector<std::string>& env, std::string_view name);

struct KeyInputs {
  const CompilerInfo* compiler = nullptr;
  const tools::Plan* plan = nullptr;
  hash::Digest source_digest;
  std::string cwd;
  const std::vector<std::string>* env = nullptr;
  bool color_on = false;  // the compile runs with coloured diagnostics
};

hash::Digest request_key(const KeyInputs& in);
// The key of one result: the request key plus the digests of its include set (files, and the
// environment variables a rustc compile read).
hash::Digest result_key(const hash::Digest& request_key, const std::vector<store::FileDigest>& files,
                        const std::vector<store::EnvDigest>& env = {});

}  // namespace zccache::daemon
