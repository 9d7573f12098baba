// RepeatedHits: a request that hit several times in a row is answered from the daemon's memo and,
// once every input was vouched for by the watcher, from a snapshot of its directories'
// generations without checking the inputs one by one (memo_watch.h). Every kind of change must
// still be seen after such a run of hits.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class RepeatedHits : public CompilerTest {
 protected:
  // A miss, then enough hits that the last ones come from the memo's snapshot.
  // `by_snapshot`: whether the last hits must have come from the snapshot (status counts them), so
  // that the change after them tests that path and not the one-by-one checks.
  CompileResult warm(const Args& args, bool by_snapshot = true) {
    CompileResult first = miss_then_hit(args, {"a.o"});
    for (int i = 0; i < 3; ++i) expect_hit(args, {"a.o"});
    const uint64_t snapshot_hits = sb().status_json().value("memo_snapshot", uint64_t{0});
    if (by_snapshot) {
      EXPECT_GE(snapshot_hits, 1u) << "no hit came from the generation snapshot";
    } else {
      EXPECT_EQ(snapshot_hits, 0u) << "an input that must be checked on every hit was vouched for by the snapshot";
    }
    return first;
  }
  void layout() {
    sb().write("inc/h.h", "#define V 1\n");
    sb().make_dir("first");
    sb().write("src/a.c", "#include <h.h>\n#include \"local.h\"\nint value(void) { return V + L; }\n");
    sb().write("src/local.h", "#define L 10\n");
  }
  const Args args_{"-Ifirst", "-Iinc", "-c", "src/a.c", "-o", "a.o"};
};

// A stored miss leaves a memo entry vouched for under a snapshot: the very first hit after it
// takes neither the full lookup nor the one-by-one check.
TEST_P(RepeatedHits, TheFirstHitAfterAMissIsAnsweredByTheSnapshot) {
  layout();
  miss_then_hit(args_, {"a.o"});  // waits until the miss is stored
  nlohmann::json after = sb().status_json();
  EXPECT_EQ(after.value("memo_snapshot", -1), 1) << after.dump();
  EXPECT_EQ(after.value("memo_checked", -1), 0) << after.dump();
}

// After a restart the memo is empty: the first hit finds its result through the manifest and
// creates the entry, which the daemon vouches for after replying, so the next one uses the snapshot.
TEST_P(RepeatedHits, AfterARestartTheSecondHitIsAnsweredByTheSnapshot) {
  layout();
  miss_then_hit(args_, {"a.o"});
  ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);
  ASSERT_EQ(sb().zccache({"start"}).exit_code, 0);  // its counters are the ones expect_hit compares
  expect_hit(args_, {"a.o"});  // the memo is empty: the full lookup
  nlohmann::json before = sb().status_json();  // waits for the work after the last reply
  expect_hit(args_, {"a.o"});
  nlohmann::json after = sb().status_json();
  EXPECT_EQ(after.value("memo_snapshot", 0) - before.value("memo_snapshot", 0), 1) << after.dump();
  EXPECT_EQ(after.value("memo_checked", 0) - before.value("memo_checked", 0), 0) << after.dump();
}

TEST_P(RepeatedHits, HeaderEdit) {
  layout();
  CompileResult one = warm(args_);
  sb().write("inc/h.h", "#define V 2\n");
  CompileResult two = expect_miss(args_, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(RepeatedHits, SourceEdit) {
  layout();
  CompileResult one = warm(args_);
  sb().write("src/a.c", "#include <h.h>\n#include \"local.h\"\nint value(void) { return V - L; }\n");
  CompileResult two = expect_miss(args_, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(RepeatedHits, ShadowingHeaderInAnEarlierDirectory) {
  layout();
  CompileResult one = warm(args_);
  sb().write("first/h.h", "#define V 3\n");
  CompileResult two = expect_miss(args_, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(RepeatedHits, ShadowingHeaderInADirectoryThatDidNotExist) {
  sb().write("inc/h.h", "#define V 1\n");
  sb().write("src/a.c", "#include <h.h>\nint value(void) { return V; }\n");
  // Under sub/, not the work dir: a missing directory is vouched for by its parent's generation,
  // and the work dir sees an event on every hit (a.o is delivered there).
  sb().make_dir("sub");
  const Args args{"-Isub/not-yet", "-Iinc", "-c", "src/a.c", "-o", "a.o"};
  CompileResult one = warm(args);
  sb().write("sub/not-yet/h.h", "#define V 4\n");
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

// The daemon keeps the directories a check found its answers depend on, for the next check's
// snapshot (request_memo.h). A missing directory that appears, empty, needs its own generation
// from then on, which the kept list lacks: the check after it must not vouch for the hits after
// it by that list, or a header put in the new directory later would not be seen.
TEST_P(RepeatedHits, ShadowingHeaderInADirectoryThatAppearedEmptyFirst) {
  sb().write("inc/h.h", "#define V 1\n");
  sb().write("src/a.c", "#include <h.h>\nint value(void) { return V; }\n");
  sb().make_dir("sub");
  const Args args{"-Isub/later", "-Iinc", "-c", "src/a.c", "-o", "a.o"};
  CompileResult one = warm(args);
  sb().make_dir("sub/later");  // an event in sub/, which vouched for its absence
  for (int i = 0; i < 3; ++i) expect_hit(args, {"a.o"});
  EXPECT_GE(sb().status_json().value("memo_checked", uint64_t{0}), 1u) << "premise: a hit checked one by one";
  sb().write("sub/later/h.h", "#define V 5\n");  // an event in sub/later/ only
  CompileResult two = expect_miss(args, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(RepeatedHits, QuotedHeaderBesideTheSourceReplacedBySymlink) {
  layout();
  CompileResult one = warm(args_);
  sb().write("elsewhere/local.h", "#define L 20\n");
  sb().remove("src/local.h");
  ASSERT_EQ(::symlink(sb().path("elsewhere/local.h").c_str(), sb().path("src/local.h").c_str()), 0);
  CompileResult two = expect_miss(args_, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
  for (int i = 0; i < 3; ++i) expect_hit(args_, {"a.o"});
  // A symlinked header is checked on every hit: its target changes without an event beside it.
  sb().write("elsewhere/local.h", "#define L 30\n");
  CompileResult three = expect_miss(args_, {"a.o"});
  EXPECT_NE(two.files["a.o"], three.files["a.o"]);
}

TEST_P(RepeatedHits, HardlinkedHeaderWrittenThroughItsOtherName) {
  layout();
  ASSERT_EQ(::link(sb().path("inc/h.h").c_str(), sb().path("other-name.h").c_str()), 0);
  CompileResult one = warm(args_, /*by_snapshot=*/false);
  sb().write("other-name.h", "#define V 5\n");  // truncates in place: same inode, another directory
  ASSERT_EQ(sb().read("inc/h.h").value_or(""), "#define V 5\n") << "test premise: one file, two names";
  CompileResult two = expect_miss(args_, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(RepeatedHits, RenamedIncludeDirectory) {
  layout();
  CompileResult one = warm(args_);
  sb().write("inc2/h.h", "#define V 6\n");
  ASSERT_EQ(::rename(sb().path("inc").c_str(), sb().path("inc-old").c_str()), 0);
  ASSERT_EQ(::rename(sb().path("inc2").c_str(), sb().path("inc").c_str()), 0);
  CompileResult two = expect_miss(args_, {"a.o"});
  EXPECT_NE(one.files["a.o"], two.files["a.o"]);
}

TEST_P(RepeatedHits, ResponseFileEdit) {
  layout();
  sb().write("flags.rsp", "-DEXTRA=1\n");
  const Args args{"@flags.rsp", "-Ifirst", "-Iinc", "-c", "src/a.c", "-o", "a.o"};
  warm(args);
  sb().write("flags.rsp", "-DV=7 -UV\n");
  expect_miss(args, {"a.o"});
}

ZCCACHE_FOR_EACH_COMPILER(RepeatedHits);

}  // namespace
}  // namespace zccache::e2e
