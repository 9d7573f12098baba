// CompilerTest: the fixture of the scenario suites that run once per compiler family. Each test
// gets a fresh Sandbox (own ZCCACHE_DIR, own daemon) and skips when its compiler is not installed.
//
// The comparison discipline (as ccache's expect_equal_object_files): every compile through zccache
// runs in the same directory, with the same arguments and environment, as a bare compile just
// before it; outputs are deleted between the two, and the exit code, stdout, stderr and every
// output file must come out byte for byte the same.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sandbox.h"

namespace zccache::e2e {

struct CompilerPair {
  const char* name;  // test name suffix
  const char* cc;    // C driver
  const char* cxx;   // C++ driver
};

// For gtest's messages ("where GetParam() = gcc").
inline void PrintTo(const CompilerPair& pair, std::ostream* os) { *os << pair.name; }

inline constexpr CompilerPair kGcc{"gcc", "gcc", "g++"};
inline constexpr CompilerPair kClang{"clang", "clang", "clang++"};

using Args = std::vector<std::string>;

// The compile-and-compare helpers, independent of how the test is parameterised.
class CompileChecks {
 protected:
  // Creates the sandbox. REQUIRES: compilers_installed(pair).
  void init(const CompilerPair& pair);

  Sandbox& sb() { return *sandbox_; }
  std::string cc() const { return pair_.cc; }
  std::string cxx() const { return pair_.cxx; }
  bool is_gcc() const { return std::string(pair_.name) == "gcc"; }

  // `compiler args...` without and through zccache (compiler defaults to cc()).
  CompileResult bare(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts = {},
                     const std::string& compiler = {});
  CompileResult cached(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts = {},
                       const std::string& compiler = {});

  // Bare, then through zccache; expects identical results. Returns the bare result.
  CompileResult compile_both(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts = {},
                             const std::string& compiler = {}, const std::string& label = {});

  // The standard cycle: bare; zccache (expects one more miss, no hit); waits for the store;
  // zccache again (expects one more hit). Both zccache compiles must equal the bare one. The bare
  // compile must succeed. Returns the bare result.
  CompileResult miss_then_hit(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts = {},
                              const std::string& compiler = {});

  // Bare, then zccache expecting a miss (hits unchanged, misses + 1) and then waits for the store.
  CompileResult expect_miss(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts = {},
                            const std::string& compiler = {});
  // Bare, then zccache expecting a hit (hits + 1, misses unchanged).
  CompileResult expect_hit(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts = {},
                           const std::string& compiler = {});

 private:
  CompilerPair pair_{};
  std::unique_ptr<Sandbox> sandbox_;
};

// Whether both drivers of the pair are in PATH.
bool compilers_installed(const CompilerPair& pair);

class CompilerTest : public ::testing::TestWithParam<CompilerPair>, protected CompileChecks {
 protected:
  void SetUp() override {
    if (!compilers_installed(GetParam())) GTEST_SKIP() << GetParam().name << " is not installed";
    init(GetParam());
  }
};

// Instantiates a CompilerTest-derived suite for gcc and clang.
#define ZCCACHE_FOR_EACH_COMPILER(Suite)                                        \
  INSTANTIATE_TEST_SUITE_P(                                                     \
      , Suite, ::testing::Values(::zccache::e2e::kGcc, ::zccache::e2e::kClang), \
      [](const ::testing::TestParamInfo<::zccache::e2e::CompilerPair>& info) { return std::string(info.param.name); })

// A tiny C translation unit.
inline constexpr const char* kHelloC =
    "int add(int a, int b) { return a + b; }\n"
    "int twice(int x) { return add(x, x); }\n";

}  // namespace zccache::e2e
