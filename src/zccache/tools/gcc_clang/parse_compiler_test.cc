// make_plan against the real gcc and clang on this machine: for each command line, the files the
// compiler creates must be exactly the object, the depfile and the extra outputs that the Plan
// names, the depfile's targets must be the Plan's, and a Plan that says the cwd does not matter
// must give byte-identical objects in two different directories. Skips when a compiler is missing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "zccache/testing/fake_file_reader.h"
#include "zccache/testing/live_files.h"
#include "zccache/tools/depfile.h"
#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::tools::gcc_clang {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;
using testing::have_program;
using testing::read_file;
using testing::shell_quote;
using testing::write_file;




std::set<std::string> list_files(const fs::path& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.insert(fs::relative(e.path(), root).lexically_normal().string());
  }
  return out;
}

std::string normal(const std::string& p) { return fs::path(p).lexically_normal().string(); }

class LiveTree {
 public:
  LiveTree() {
    char tmpl[] = "/tmp/zccache-parse-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) root_ = tmpl;
    write_file(root_ / "src/t.c", "#include \"h.h\"\n#include <stddef.h>\nint f(int a) { return a * H; }\n");
    write_file(root_ / "src/s p.c", "#include \"h.h\"\nint g(void) { return H; }\n");
    write_file(root_ / "src/h.h", "#define H 3\n");
    write_file(root_ / "src/a.S", "#include \"h.h\"\n.text\n.globl f\nf:\n ret\n");
    write_file(root_ / "src/p.i", "int x;\n");
    write_file(root_ / "src/nofn.c", "int y;\n");
    fs::create_directories(root_ / "x");
    fs::create_directories(root_ / "x.dir");
  }
  ~LiveTree() {
    if (!root_.empty()) fs::remove_all(root_);
  }
  const fs::path& root() const { return root_; }

  int run(const std::string& compiler, const Strings& args) const {
    std::string cmd = "cd " + shell_quote(root_.string()) + " && " + compiler;
    for (const std::string& a : args) cmd += " " + shell_quote(a);
    cmd += " >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }

 private:
  fs::path root_;
};

bool have(const std::string& compiler) {
  return std::system(("command -v " + compiler + " >/dev/null 2>&1").c_str()) == 0;
}

Plan plan_in(Family family, const Strings& args, const fs::path& cwd) {
  testing::FakeFileReader reader;
  return make_plan(family, args, cwd.string(), {}, reader);
}

struct LiveCase {
  Strings args;
  bool gcc = true;
  bool clang = true;
};

class LiveParseTest : public ::testing::TestWithParam<Family> {
 protected:
  void SetUp() override {
    compiler_ = GetParam() == Family::kGcc ? "gcc" : "clang";
    if (!have(compiler_)) GTEST_SKIP() << compiler_ << " not installed";
  }
  std::string compiler_;
};

TEST_P(LiveParseTest, PlanNamesExactlyTheFilesTheCompilerWrites) {
  Family family = GetParam();
  const LiveCase cases[] = {
      {{"-c", "src/t.c"}},
      {{"-c", "src/t.c", "-o", "x/a.o"}},
      {{"-c", "src/s p.c", "-MMD"}},
      {{"-c", "src/t.c", "-MD"}},
      {{"-c", "src/t.c", "-MMD", "-o", "x/a"}},
      {{"-c", "src/t.c", "-MMD", "-o", "x.dir/a"}},
      {{"-c", "src/t.c", "-MMD", "-MP", "-o", "x/a.b.o"}},
      {{"-c", "src/t.c", "-MD", "-o", "./x/c.o"}},
      {{"-c", "src/t.c", "-MD", "-MMD", "-MF", "x/t.dep"}},
      {{"-c", "src/t.c", "-MMD", "-MQ", "a b", "-MT", "./c", "-MQ", "./d$", "-MT", "e#"}},
      {{"-c", "src/t.c", "-MMD", "-o", "x/a.o", "-MT", std::string(80, 'l')}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf"}},
      {{"-c", "src/t.c", "-gsplit-dwarf"}},
      {{"-c", "src/t.c", "-gsplit-dwarf", "-g0"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-gno-split-dwarf"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-o", "x/a.b.o"}},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf", "-o", "x.dir/a"}},
      {{"-c", "src/t.c", "-gline-tables-only", "-gsplit-dwarf"}, false, true},
      {{"-c", "src/t.c", "-g", "-gsplit-dwarf=single"}, false, true},
      {{"-c", "src/t.c", "-fstack-usage"}, true, false},
      {{"-c", "src/nofn.c", "-fstack-usage"}, true, false},
      {{"-c", "src/t.c", "-fstack-usage", "-o", "x/a.o"}, true, false},
      {{"-c", "src/t.c", "-MMD", "-MP", "-fstack-usage", "-g", "-gsplit-dwarf", "-o", "x/a.o"}, true, false},
      {{"-c", "src/a.S", "-MD", "-gsplit-dwarf", "-fstack-usage"}, true, false},
      {{"-c", "src/a.S", "-MMD", "-gsplit-dwarf", "-g0", "-o", "x/s.o"}},
      {{"-c", "src/a.S", "-MMD", "-MP", "-g"}},
      {{"-c", "src/p.i", "-MD", "-g", "-gsplit-dwarf"}},
      {{"-c", "src/p.i", "-MD", "-fstack-usage"}, true, false},
      {{"-c", "-x", "c", "src/t.c", "-O2", "-Wall", "-Wp,-DX=1", "-Wa,--noexecstack", "-o", "x/w.o"}},
  };
  for (const LiveCase& c : cases) {
    if (!(family == Family::kGcc ? c.gcc : c.clang)) continue;
    LiveTree tree;
    ASSERT_FALSE(tree.root().empty());
    Plan plan = plan_in(family, c.args, tree.root());
    std::string what = compiler_;
    for (const std::string& a : c.args) what += " " + a;
    ASSERT_EQ(plan.passthrough, Passthrough::kNone) << what << ": " << reason_name(plan.passthrough);

    std::set<std::string> before = list_files(tree.root());
    ASSERT_EQ(tree.run(compiler_, c.args), 0) << what;
    std::set<std::string> created;
    for (const std::string& f : list_files(tree.root())) {
      if (before.count(f) == 0) created.insert(f);
    }
    std::set<std::string> expected = {normal(plan.object)};
    if (plan.depfile.requested) expected.insert(normal(plan.depfile.path));
    for (const std::string& o : plan.extra_outputs) expected.insert(normal(o));
    EXPECT_EQ(created, expected) << what;

    if (!plan.depfile.requested) continue;
    std::string bytes = read_file(tree.root() / plan.depfile.path);
    auto parsed = parse_depfile(bytes);
    ASSERT_TRUE(parsed) << what;
    EXPECT_EQ(parsed->targets, plan.depfile.targets) << what;
    EXPECT_EQ(render_depfile(family, plan.depfile.targets, parsed->deps, plan.depfile.phony_targets,
                             parsed->input_index),
              bytes)
        << what;
    bool has_system = false;
    for (const std::string& p : parsed->dep_paths) has_system = has_system || p.starts_with("/usr/");
    EXPECT_EQ(has_system, plan.depfile.system_headers) << what;
  }
}

// Compiles the same relative command in two different directories; compares every output.
bool outputs_equal_across_dirs(const std::string& compiler, const Strings& args, const Plan& plan) {
  LiveTree a, b;
  if (a.run(compiler, args) != 0 || b.run(compiler, args) != 0) return false;
  Strings outputs = plan.extra_outputs;
  outputs.push_back(plan.object);
  for (const std::string& o : outputs) {
    if (read_file(a.root() / o) != read_file(b.root() / o)) return false;
  }
  return true;
}

TEST_P(LiveParseTest, CwdIndependenceHolds) {
  Family family = GetParam();
  const std::vector<Strings> cases = {
      {"-c", "src/t.c", "-O2", "-Isrc"},
      {"-c", "src/t.c", "-MMD", "-O1"},
      {"-c", "src/a.S", "-gsplit-dwarf"},
      {"-c", "src/t.c", "-gsplit-dwarf"},
      {"-c", "src/a.S", "-g"},
      {"-c", "src/a.S", "-MMD"},
      {"-c", "src/t.c", "-g"},
      {"-c", "src/t.c", "-g", "-g0"},
      {"-c", "src/t.c", "-ggdb3", "-O1"},
      {"-c", "src/t.c", "-g", "-fdebug-compilation-dir=."},
      {"-c", "src/t.c", "-g", "-ffile-compilation-dir=/fixed"},
  };
  for (const Strings& args : cases) {
    LiveTree probe;
    Plan plan = plan_in(family, args, probe.root());
    std::string what = compiler_ + " " + args[2] + (args.size() > 3 ? " " + args[3] : "");
    if (plan.passthrough != Passthrough::kNone) {
      ADD_FAILURE() << what << ": " << reason_name(plan.passthrough);
      continue;
    }
    if (family == Family::kGcc && args.back().find("compilation-dir") != std::string::npos) continue;  // clang-only
    bool same = outputs_equal_across_dirs(compiler_, args, plan);
    // cwd_matters == false must mean identical objects. The converse need not hold: keying on
    // the cwd where it does not reach the output only costs sharing, never correctness.
    if (!plan.cwd_matters) {
      EXPECT_TRUE(same) << what;
    }
    if (!same) {
      EXPECT_TRUE(plan.cwd_matters) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, LiveParseTest, ::testing::Values(Family::kGcc, Family::kClang),
                         [](const auto& info) { return info.param == Family::kGcc ? "Gcc" : "Clang"; });

}  // namespace
}  // namespace zccache::tools::gcc_clang
