// RecordRace: a miss is recorded after its client was let go, off the build's path, so the build
// may already have changed the tree when the daemon looks at the files again. A tree swapped in by
// rename (as `rsync -a`, `tar x` or a checkout moved into place do) keeps old timestamps, which the
// start-time check cannot see; the record must still refuse it, or the old object would be served
// for the new tree. The daemon here waits (ZCCACHE_RECORD_DELAY_MS_FOR_TESTING) so that the swap
// lands between the compile and its record every time.
#include <stdio.h>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class RecordRace : public CompilerTest {
 protected:
  void swapped_tree_is_never_served(const std::vector<std::string>& depfile_args) {
    // Two trees of the same age, one header apart; "p" is the one the first compile reads.
    for (const char* tree : {"p", "next"}) {
      sb().write(std::string(tree) + "/a.c", "#include \"inc/h.h\"\nint value(void) { return V; }\n");
      sb().write(std::string(tree) + "/inc/h.h", std::string("#define V ") + (tree[0] == 'p' ? "1" : "2") + "\n");
    }
    ASSERT_EQ(sb().zccache({"stop"}).exit_code, 0);
    RunOptions in_p;
    in_p.cwd = "p";
    in_p.env["ZCCACHE_RECORD_DELAY_MS_FOR_TESTING"] = "1500";  // the daemon starts with it
    Args args{"-c", "a.c", "-o", "a.o"};
    args.insert(args.end(), depfile_args.begin(), depfile_args.end());
    std::vector<std::string> argv{cc()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult first = sb().zccache(argv, in_p);
    ASSERT_EQ(first.exit_code, 0) << first.describe();
    FileBytes old_object = sb().read("p/a.o");
    // The build goes on: the next tree is moved into place while the record still waits.
    ASSERT_EQ(::rename(sb().path("p").c_str(), sb().path("old").c_str()), 0);
    ASSERT_EQ(::rename(sb().path("next").c_str(), sb().path("p").c_str()), 0);
    ASSERT_TRUE(sb().wait_until([](const Counters& c) { return c.stored + c.pass("too_new") >= 1; }))
        << sb().counters().describe();
    EXPECT_EQ(sb().counters().stored, 0u) << "the object of the old tree was stored under the new one";
    in_p.env.clear();
    CompileResult bare_new = expect_miss(args, {"a.o"}, in_p);  // and equal to the bare compile of the new tree
    EXPECT_NE(bare_new.files["a.o"], old_object) << "test premise: the trees compile to different objects";
  }
};

TEST_P(RecordRace, ATreeSwappedBeforeTheRecordIsNotStored) { swapped_tree_is_never_served({}); }

// -MMD: record() scans for the system headers; the project's files come from the user's depfile.
TEST_P(RecordRace, ATreeSwappedBeforeTheRecordIsNotStoredWithMMD) { swapped_tree_is_never_served({"-MMD"}); }

ZCCACHE_FOR_EACH_COMPILER(RecordRace);

}  // namespace
}  // namespace zccache::e2e
