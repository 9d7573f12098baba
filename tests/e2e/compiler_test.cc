#include "compiler_test.h"

#include <unistd.h>

namespace zccache::e2e {

bool compilers_installed(const CompilerPair& pair) {
  return !find_in_path(pair.cc).empty() && !find_in_path(pair.cxx).empty();
}

void CompileChecks::init(const CompilerPair& pair) {
  for (const std::string& bin : {bin_dir() + "/zccache", bin_dir() + "/zccache-daemon"}) {
    ASSERT_EQ(::access(bin.c_str(), X_OK), 0) << bin << " is missing: build the zccache and zccache-daemon targets";
  }
  pair_ = pair;
  sandbox_ = std::make_unique<Sandbox>();
}

CompileResult CompileChecks::bare(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts,
                                  const std::string& compiler) {
  Args argv{compiler.empty() ? cc() : compiler};
  argv.insert(argv.end(), args.begin(), args.end());
  return sb().compile(argv, outputs, opts);
}

CompileResult CompileChecks::cached(const Args& args, const std::vector<std::string>& outputs, const RunOptions& opts,
                                    const std::string& compiler) {
  Args argv{sb().zccache_bin(), compiler.empty() ? cc() : compiler};
  argv.insert(argv.end(), args.begin(), args.end());
  return sb().compile(argv, outputs, opts);
}

CompileResult CompileChecks::compile_both(const Args& args, const std::vector<std::string>& outputs,
                                          const RunOptions& opts, const std::string& compiler,
                                          const std::string& label) {
  CompileResult b = bare(args, outputs, opts, compiler);
  CompileResult c = cached(args, outputs, opts, compiler);
  expect_same_compile(b, c, label);
  return b;
}

CompileResult CompileChecks::expect_miss(const Args& args, const std::vector<std::string>& outputs,
                                         const RunOptions& opts, const std::string& compiler) {
  Counters before = sb().counters();
  CompileResult b = bare(args, outputs, opts, compiler);
  EXPECT_EQ(b.run.exit_code, 0) << "bare compile failed: " << b.run.describe();
  CompileResult c = cached(args, outputs, opts, compiler);
  expect_same_compile(b, c, "miss");
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, before.hits) << "expected a miss, got a hit; " << after.describe();
  EXPECT_EQ(after.misses, before.misses + 1) << after.describe();
  EXPECT_TRUE(sb().wait_for_stored(before.stored + 1)) << "the miss was never stored; " << sb().counters().describe();
  return b;
}

CompileResult CompileChecks::expect_hit(const Args& args, const std::vector<std::string>& outputs,
                                        const RunOptions& opts, const std::string& compiler) {
  Counters before = sb().counters();
  CompileResult b = bare(args, outputs, opts, compiler);
  EXPECT_EQ(b.run.exit_code, 0) << "bare compile failed: " << b.run.describe();
  CompileResult c = cached(args, outputs, opts, compiler);
  expect_same_compile(b, c, "hit");
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, before.hits + 1) << "expected a hit; " << after.describe();
  EXPECT_EQ(after.misses, before.misses) << "expected a hit, got a miss; " << after.describe();
  return b;
}

CompileResult CompileChecks::miss_then_hit(const Args& args, const std::vector<std::string>& outputs,
                                           const RunOptions& opts, const std::string& compiler) {
  CompileResult b = expect_miss(args, outputs, opts, compiler);
  expect_hit(args, outputs, opts, compiler);
  return b;
}

}  // namespace zccache::e2e
