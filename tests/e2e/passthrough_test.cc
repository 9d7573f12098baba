// Invocations zccache does not cache run exactly as bare, and are counted in `status --json`
// under their reason. One test per reason that a command line (or its environment) can trigger.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class Passthrough : public CompilerTest {
 protected:
  // Compares bare with zccache twice and expects two more passthroughs under `reason`, with no
  // hit and no miss counted. Returns the bare result.
  CompileResult expect_passthrough(const std::string& reason, const Args& args, const std::vector<std::string>& outputs,
                                   const RunOptions& opts = {}, const std::string& compiler = {}) {
    Counters before = sb().counters();
    CompileResult b = compile_both(args, outputs, opts, compiler, "first");
    compile_both(args, outputs, opts, compiler, "second");
    bool counted = sb().wait_until([&](const Counters& c) { return c.pass(reason) >= before.pass(reason) + 2; });
    Counters after = sb().counters();
    EXPECT_TRUE(counted) << "expected passthrough reason '" << reason << "' twice; " << after.describe();
    EXPECT_EQ(after.pass(reason), before.pass(reason) + 2) << after.describe();
    EXPECT_EQ(after.hits, before.hits) << after.describe();
    EXPECT_EQ(after.misses, before.misses) << after.describe();
    EXPECT_EQ(after.stored, before.stored) << after.describe();
    return b;
  }

  // Whether cc() expands __DATE__ from SOURCE_DATE_EPOCH (gcc 7+, clang 16+).
  bool honours_source_date_epoch() {
    RunOptions opts;
    opts.env["SOURCE_DATE_EPOCH"] = "0";
    opts.stdin_data = "__DATE__\n";
    RunResult r = sb().run({cc(), "-E", "-P", "-x", "c", "-"}, opts);
    return r.out.find("Jan  1 1970") != std::string::npos;
  }

  void write_sources() {
    sb().write("a.c", kHelloC);
    sb().write("b.c", "int other(void) { return 7; }\n");
    sb().write("main.c", "int twice(int);\nint main(void) { return twice(0); }\n");
  }
};

// A link that compiles sources runs the compiler through temporary files: not modelled.
TEST_P(Passthrough, LinkingSources) {
  write_sources();
  CompileResult b = expect_passthrough("link_unsupported", {"main.c", "a.c", "-o", "prog"}, {"prog"});
  EXPECT_EQ(b.run.exit_code, 0) << b.run.describe();
  EXPECT_TRUE(b.files["prog"].has_value());
}

// Links of objects are cached (link_test.cc); with LTO the link runs the compiler again.
TEST_P(Passthrough, LinkingObjectsWithLto) {
  write_sources();
  ASSERT_EQ(bare({"-c", "a.c", "main.c"}, {}).run.exit_code, 0);
  expect_passthrough("link_unsupported", {"a.o", "main.o", "-o", "prog", "-flto"}, {"prog"});
}

TEST_P(Passthrough, PreprocessOnlyToStdout) {
  write_sources();
  CompileResult b = expect_passthrough("preprocess_only", {"-E", "a.c"}, {});
  EXPECT_NE(b.run.out.find("twice"), std::string::npos);
}

TEST_P(Passthrough, PreprocessOnlyToFile) {
  write_sources();
  expect_passthrough("preprocess_only", {"-E", "a.c", "-o", "a.i"}, {"a.i"});
}

TEST_P(Passthrough, DependenciesOnlyDashM) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\n#include <stddef.h>\nint v = V;\n");
  CompileResult b = expect_passthrough("preprocess_only", {"-M", "a.c"}, {});
  EXPECT_NE(b.run.out.find("h.h"), std::string::npos);
  expect_passthrough("preprocess_only", {"-MM", "a.c", "-MF", "a.dep"}, {"a.dep"});
}

TEST_P(Passthrough, AssemblyOutput) {
  write_sources();
  CompileResult b = expect_passthrough("assembly_output", {"-S", "a.c", "-o", "a.s"}, {"a.s"});
  EXPECT_TRUE(b.files["a.s"].has_value());
}

TEST_P(Passthrough, NoSource) {
  CompileResult b = expect_passthrough("no_source", {"-c"}, {});
  EXPECT_NE(b.run.exit_code, 0);
}

TEST_P(Passthrough, MultipleSources) {
  write_sources();
  // Several sources are cached per source (multi_source_test.cc) unless one -o names them all,
  // which is the driver's error to report.
  CompileResult b = expect_passthrough("multiple_sources", {"-c", "a.c", "b.c", "-o", "ab.o"}, {"ab.o", "a.o", "b.o"});
  EXPECT_NE(b.run.exit_code, 0);
  EXPECT_FALSE(b.files["ab.o"].has_value());
}

TEST_P(Passthrough, StdinInput) {
  RunOptions opts;
  opts.stdin_data = kHelloC;
  CompileResult b = expect_passthrough("stdin_input", {"-x", "c", "-c", "-", "-o", "a.o"}, {"a.o"}, opts);
  EXPECT_EQ(b.run.exit_code, 0) << b.run.describe();
}

TEST_P(Passthrough, SaveTemps) {
  write_sources();
  CompileResult b =
      expect_passthrough("save_temps", {"-save-temps", "-c", "a.c", "-o", "a.o"}, {"a.o", "a.i", "a.s", "a.bc"});
  EXPECT_TRUE(b.files["a.i"].has_value()) << "test premise: -save-temps keeps a.i";
}

// The coverage stamp inside the object differs from run to run, so only the process results and
// the presence of the files are compared.
TEST_P(Passthrough, Coverage) {
  write_sources();
  Counters before = sb().counters();
  Args args{"--coverage", "-c", "a.c", "-o", "a.o"};
  for (int i = 0; i < 2; ++i) {
    CompileResult b = bare(args, {"a.o", "a.gcno"});
    CompileResult c = cached(args, {"a.o", "a.gcno"});
    EXPECT_EQ(b.run.exit_code, c.run.exit_code) << c.run.describe();
    EXPECT_EQ(b.run.err, c.run.err);
    EXPECT_TRUE(c.files["a.o"].has_value());
    EXPECT_EQ(b.files["a.gcno"].has_value(), c.files["a.gcno"].has_value());
  }
  Counters after = sb().counters();
  EXPECT_EQ(after.pass("profile_generate"), before.pass("profile_generate") + 2) << after.describe();
  EXPECT_EQ(after.hits, 0u);
}

TEST_P(Passthrough, ProfileGenerate) {
  write_sources();
  Counters before = sb().counters();
  Args args{"-fprofile-generate", "-c", "a.c", "-o", "a.o"};
  for (int i = 0; i < 2; ++i) {
    CompileResult b = bare(args, {"a.o"});
    CompileResult c = cached(args, {"a.o"});
    EXPECT_EQ(b.run.exit_code, c.run.exit_code) << c.run.describe();
    EXPECT_EQ(b.run.err, c.run.err);
    EXPECT_TRUE(c.files["a.o"].has_value());
  }
  Counters after = sb().counters();
  EXPECT_EQ(after.pass("profile_generate"), before.pass("profile_generate") + 2) << after.describe();
  EXPECT_EQ(after.hits, 0u);
}

TEST_P(Passthrough, InformationalVersion) {
  CompileResult b = expect_passthrough("informational", {"--version"}, {});
  EXPECT_FALSE(b.run.out.empty());
}

TEST_P(Passthrough, InformationalDumpVersion) {
  write_sources();
  expect_passthrough("informational", {"-dumpversion"}, {});
}

TEST_P(Passthrough, OutputDevNullStaysACharacterDevice) {
  write_sources();
  struct stat before;
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  CompileResult b = expect_passthrough("output_not_regular", {"-c", "a.c", "-o", "/dev/null"}, {});
  EXPECT_EQ(b.run.exit_code, 0) << b.run.describe();
  struct stat after;
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode)) << "/dev/null is no longer a character device!";
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  EXPECT_EQ(after.st_ino, before.st_ino) << "/dev/null was replaced";
}

TEST_P(Passthrough, DepfileDevNullStaysACharacterDevice) {
  write_sources();
  struct stat before;
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  expect_passthrough("output_not_regular", {"-MD", "-MF", "/dev/null", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  struct stat after;
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode)) << "/dev/null is no longer a character device!";
  EXPECT_EQ(after.st_ino, before.st_ino);
}

TEST_P(Passthrough, UnreadableResponseFile) {
  // (Tests may run as root, which reads a mode-000 file; a missing @file is unreadable for anyone.)
  write_sources();
  CompileResult b = expect_passthrough("response_file", {"-c", "a.c", "@missing.rsp", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(b.run.exit_code, 0) << "test premise: the compiler reports the missing file";
}

TEST_P(Passthrough, UnknownLanguage) {
  if (find_in_path("gfortran").empty()) GTEST_SKIP() << "no Fortran compiler to compile the .f90 source";
  sb().write("p.f90", "subroutine s\nend subroutine s\n");
  expect_passthrough("unknown_language", {"-c", "p.f90", "-o", "p.o"}, {"p.o"});
}

TEST_P(Passthrough, DependenciesOutputEnvironment) {
  write_sources();
  RunOptions opts;
  opts.env["DEPENDENCIES_OUTPUT"] = "deps.txt";
  CompileResult b = expect_passthrough("dependency_env", {"-c", "a.c", "-o", "a.o"}, {"a.o", "deps.txt"}, opts);
  if (is_gcc()) {
    EXPECT_TRUE(b.files["deps.txt"].has_value()) << "test premise: gcc honours DEPENDENCIES_OUTPUT";
  }
}

TEST_P(Passthrough, SunproDependenciesEnvironment) {
  write_sources();
  RunOptions opts;
  opts.env["SUNPRO_DEPENDENCIES"] = "deps.txt tgt";
  expect_passthrough("dependency_env", {"-c", "a.c", "-o", "a.o"}, {"a.o", "deps.txt"}, opts);
}

TEST_P(Passthrough, DateMacroInSource) {
  sb().write("d.c", "const char *built = __DATE__;\n");
  expect_passthrough("date_time", {"-c", "d.c", "-o", "d.o"}, {"d.o"});
}

TEST_P(Passthrough, TimeMacroInHeaderIsNeverServed) {
  // The header is only seen through the include set, after the compile: the first compile may be
  // counted as a miss, but nothing is stored and no compile is ever a hit.
  sb().write("t.h", "static const char *when = __TIME__;\n");
  sb().write("t.c", "#include \"t.h\"\nconst char *get(void) { return when; }\n");
  Args args{"-c", "t.c", "-o", "t.o"};
  for (int i = 0; i < 3; ++i) {
    CompileResult b = bare(args, {"t.o"});
    CompileResult c = cached(args, {"t.o"});
    EXPECT_EQ(c.run.exit_code, 0) << c.run.describe();
    EXPECT_EQ(b.run.err, c.run.err);
    EXPECT_TRUE(c.files["t.o"].has_value());
    ASSERT_TRUE(sb().wait_until([&](const Counters& n) { return n.pass("date_time") >= static_cast<uint64_t>(i + 1); }))
        << sb().counters().describe();
  }
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.stored, 0u) << c.describe();
}

TEST_P(Passthrough, DateMacroWithSourceDateEpochIsCachedPerEpoch) {
  if (!honours_source_date_epoch()) GTEST_SKIP() << cc() << " ignores SOURCE_DATE_EPOCH (see the next test)";
  sb().write("d.c", "const char *built = __DATE__ \" \" __TIME__;\n");
  RunOptions y2001, y2033;
  y2001.env["SOURCE_DATE_EPOCH"] = "1000000000";
  y2033.env["SOURCE_DATE_EPOCH"] = "2000000000";
  CompileResult one = miss_then_hit({"-c", "d.c", "-o", "d.o"}, {"d.o"}, y2001);
  CompileResult two = expect_miss({"-c", "d.c", "-o", "d.o"}, {"d.o"}, y2033);
  EXPECT_NE(one.files["d.o"], two.files["d.o"]);
  EXPECT_EQ(sb().counters().pass("date_time"), 0u);
}

TEST_P(Passthrough, TimeMacroIsNeverServedStaleWhenTheCompilerIgnoresSourceDateEpoch) {
  // clang before 16 ignores SOURCE_DATE_EPOCH: __TIME__ is the wall clock even when it is set, so
  // a hit would replay an old time that the bare compiler would not produce.
  if (honours_source_date_epoch()) GTEST_SKIP() << cc() << " honours SOURCE_DATE_EPOCH";
  sb().write("d.c", "const char *built = __TIME__;\n");
  RunOptions opts;
  opts.env["SOURCE_DATE_EPOCH"] = "1000000000";
  for (int i = 0; i < 2; ++i) {
    CompileResult c = cached({"-c", "d.c", "-o", "d.o"}, {"d.o"}, opts);
    EXPECT_EQ(c.run.exit_code, 0) << c.run.describe();
    sb().wait_until([](const Counters& n) { return n.stored + n.pass("date_time") >= 1; }, std::chrono::seconds(3));
  }
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << "a __TIME__ object was served from the cache; " << c.describe();
}

TEST_P(Passthrough, MultipleArch) {
  write_sources();
  expect_passthrough("multiple_arch", {"-arch", "x86_64", "-arch", "i386", "-c", "a.c", "-o", "a.o"}, {"a.o"});
}

TEST_P(Passthrough, UnknownCompiler) {
  write_sources();
  sb().write("fakecc",
             "#!/bin/sh\n"
             "case \" $* \" in *\" -c \"*) echo 'fake object' > a.o; echo fake compiler says hi; exit 3;; esac\n"
             "echo 'fakecc 1.0'\n");
  ASSERT_EQ(::chmod(sb().path("fakecc").c_str(), 0755), 0);
  CompileResult b = expect_passthrough("unknown_compiler", {"-c", "a.c", "-o", "a.o"}, {"a.o"}, {}, "./fakecc");
  EXPECT_EQ(b.run.exit_code, 3);
  EXPECT_EQ(b.run.out, "fake compiler says hi\n");
}

TEST_P(Passthrough, UnsupportedOptionSyntaxOnly) {
  write_sources();
  expect_passthrough("unsupported_option", {"-fsyntax-only", "-c", "a.c"}, {"a.o"});
}

TEST_P(Passthrough, UnsupportedOptionPreprocessorDepfile) {
  // The Linux kernel's spelling of a depfile request: the depfile must still come out as bare.
  write_sources();
  sb().make_dir("deps");
  CompileResult b = expect_passthrough("unsupported_option", {"-Wp,-MD,deps/.a.o.d", "-c", "a.c", "-o", "a.o"},
                                       {"a.o", "deps/.a.o.d"});
  EXPECT_TRUE(b.files["deps/.a.o.d"].has_value()) << "test premise: -Wp,-MD writes the depfile";
}

TEST_P(Passthrough, MissingSource) {
  CompileResult b = expect_passthrough("missing_source", {"-c", "nope.c", "-o", "a.o"}, {"a.o"});
  EXPECT_NE(b.run.exit_code, 0);
}

TEST_P(Passthrough, SourceNewerThanTheCompileIsNotStored) {
  // An mtime in the future stands for "modified while the compile ran": deterministic, unlike a
  // race with the clock. The result must not be stored (counted too_new) and never served.
  write_sources();
  sb().set_mtime("a.c", std::chrono::hours(1));
  Args args{"-c", "a.c", "-o", "a.o"};
  for (int i = 0; i < 2; ++i) {
    CompileResult b = bare(args, {"a.o"});
    CompileResult c = cached(args, {"a.o"});
    expect_same_compile(b, c, "attempt " + std::to_string(i));
    ASSERT_TRUE(sb().wait_until([&](const Counters& n) { return n.pass("too_new") >= static_cast<uint64_t>(i + 1); }))
        << sb().counters().describe();
  }
  Counters c = sb().counters();
  EXPECT_EQ(c.hits, 0u) << c.describe();
  EXPECT_EQ(c.stored, 0u) << c.describe();
  EXPECT_EQ(c.entries, 0u) << c.describe();
}

TEST_P(Passthrough, HeaderNewerThanTheCompileIsNotStored) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint v = V;\n");
  sb().set_mtime("h.h", std::chrono::hours(1));
  Args args{"-c", "a.c", "-o", "a.o"};
  compile_both(args, {"a.o"});
  ASSERT_TRUE(sb().wait_until([](const Counters& n) { return n.pass("too_new") >= 1; })) << sb().counters().describe();
  compile_both(args, {"a.o"});
  EXPECT_EQ(sb().counters().hits, 0u);
}

TEST_P(Passthrough, DisabledLeavesCountersUnchanged) {
  write_sources();
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);
  expect_miss({"-c", "a.c", "-o", "a.o"}, {"a.o"});  // a hit would now be available
  Counters before = sb().counters();
  RunOptions opts;
  opts.env["ZCCACHE_DISABLE"] = "1";
  compile_both({"-c", "a.c", "-o", "a.o"}, {"a.o"}, opts);
  compile_both({"-c", "b.c", "-o", "b.o"}, {"b.o"}, opts);
  compile_both({"-E", "a.c"}, {}, opts);
  Counters after = sb().counters();
  EXPECT_EQ(after.hits, before.hits) << after.describe();
  EXPECT_EQ(after.misses, before.misses) << after.describe();
  EXPECT_EQ(after.passthrough, before.passthrough) << after.describe();
  EXPECT_EQ(after.entries, before.entries) << after.describe();
}

ZCCACHE_FOR_EACH_COMPILER(Passthrough);

}  // namespace
}  // namespace zccache::e2e
