// `zccache explain`: whether the next run of a compile would hit, and if not, exactly why,
// without changing anything.
#include <nlohmann/json.hpp>

#include <fstream>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

class Explain : public CompilerTest {
 protected:
  RunResult explain(const Args& compile, bool json = false) {
    Args argv{"explain"};
    if (json) argv.push_back("--json");
    argv.push_back("--");
    argv.push_back(cc());
    argv.insert(argv.end(), compile.begin(), compile.end());
    return sb().zccache(argv);
  }
  nlohmann::json explain_json(const Args& compile) {
    RunResult r = explain(compile, true);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.describe();
    return j;
  }
  // The first reason given for the first source.
  nlohmann::json first_reason(const nlohmann::json& j) {
    if (!j.contains("units") || j["units"].empty() || j["units"][0]["why"].empty()) return nullptr;
    return j["units"][0]["why"][0];
  }
};

TEST_P(Explain, NothingCachedThenAHit) {
  sb().write("a.c", kHelloC);
  Args args{"-c", "a.c", "-o", "a.o"};
  RunResult before = explain(args);
  EXPECT_EQ(before.exit_code, 1) << before.describe();
  EXPECT_NE(before.out.find("a.o: would miss"), std::string::npos) << before.out;
  EXPECT_NE(before.out.find("nothing cached"), std::string::npos) << before.out;
  EXPECT_FALSE(sb().exists("a.o")) << "explain must not compile";
  expect_miss(args, {"a.o"});
  RunResult after = explain(args);
  EXPECT_EQ(after.exit_code, 0) << after.describe();
  EXPECT_NE(after.out.find("a.o: would hit"), std::string::npos) << after.out;
  EXPECT_EQ(explain_json(args)["outcome"], "hit");
  expect_hit(args, {"a.o"});
}

TEST_P(Explain, NamesTheChangedHeaderWithBothDigests) {
  sb().write("h.h", "#define V 1\n");
  sb().write("a.c", "#include \"h.h\"\nint value(void) { return V; }\n");
  Args args{"-c", "a.c", "-o", "a.o"};
  expect_miss(args, {"a.o"});
  sb().write("h.h", "#define V 2\n");
  nlohmann::json j = explain_json(args);
  EXPECT_EQ(j["outcome"], "miss") << j.dump();
  nlohmann::json why = first_reason(j);
  ASSERT_FALSE(why.is_null()) << j.dump();
  EXPECT_EQ(why["kind"], "file_changed") << j.dump();
  EXPECT_EQ(why["path"], "h.h") << j.dump();
  EXPECT_NE(why["old"], why["new"]);
  RunResult text = explain(args);
  EXPECT_NE(text.out.find("file h.h changed"), std::string::npos) << text.out;
  // Explaining changed nothing: the compile still misses, then hits.
  expect_miss(args, {"a.o"});
  EXPECT_EQ(explain_json(args)["outcome"], "hit");
}

TEST_P(Explain, NamesANewShadowingHeader) {
  sb().write("inc/h.h", "#define V 1\n");
  sb().make_dir("first");
  sb().write("a.c", "#include <h.h>\nint value(void) { return V; }\n");
  Args args{"-Ifirst", "-Iinc", "-c", "a.c", "-o", "a.o"};
  expect_miss(args, {"a.o"});
  sb().write("first/h.h", "#define V 2\n");
  nlohmann::json why = first_reason(explain_json(args));
  ASSERT_FALSE(why.is_null());
  EXPECT_EQ(why["kind"], "shadowing_file_added") << why.dump();
  EXPECT_EQ(why["path"], "first/h.h") << why.dump();
}

TEST_P(Explain, NamesTheChangedDefine) {
  sb().write("a.c", "int value(void) { return V; }\n");
  expect_miss({"-DV=1", "-c", "a.c", "-o", "a.o"}, {"a.o"});
  nlohmann::json why = first_reason(explain_json({"-DV=2", "-c", "a.c", "-o", "a.o"}));
  ASSERT_FALSE(why.is_null());
  EXPECT_EQ(why["kind"], "arguments") << why.dump();
  EXPECT_EQ(why["removed"], nlohmann::json::array({"-DV=1"})) << why.dump();
  EXPECT_EQ(why["added"], nlohmann::json::array({"-DV=2"})) << why.dump();
}

TEST_P(Explain, NamesTheChangedCompilerBinary) {
  // A compiler of our own at a fixed path (a script around the real driver), whose content
  // changes after the first compile: another compiler to the cache.
  std::string real = find_in_path(cc());
  ASSERT_FALSE(real.empty());
  std::string script = sb().path("bin/cc-wrapper");
  sb().write("bin/cc-wrapper", "#!/bin/sh\nexec " + real + " \"$@\"\n");
  ASSERT_EQ(sb().run({"chmod", "+x", script}).exit_code, 0);
  sb().write("a.c", kHelloC);
  ASSERT_EQ(sb().zccache({script, "-c", "a.c", "-o", "a.o"}).exit_code, 0);
  ASSERT_TRUE(sb().wait_for_stored(1)) << sb().counters().describe();
  RunResult hit = sb().zccache({"explain", script, "-c", "a.c", "-o", "a.o"});
  ASSERT_EQ(hit.exit_code, 0) << hit.describe();
  { std::ofstream(script, std::ios::app) << "# upgraded\n"; }
  RunResult r = sb().zccache({"explain", "--json", script, "-c", "a.c", "-o", "a.o"});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.describe();
  nlohmann::json why = first_reason(j);
  ASSERT_FALSE(why.is_null()) << j.dump();
  EXPECT_EQ(why["kind"], "compiler") << j.dump();
  EXPECT_NE(why["old"], why["new"]);
}

TEST_P(Explain, NamesThePassthroughReasonAndBadUsage) {
  sb().write("a.c", kHelloC);
  nlohmann::json j = explain_json({"-E", "a.c"});
  EXPECT_EQ(j["outcome"], "passthrough");
  EXPECT_EQ(j["reason"], "preprocess_only");
  RunResult usage = sb().zccache({"explain"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("usage"), std::string::npos) << usage.describe();
  RunResult missing = sb().zccache({"explain", "--", "no-such-compiler-xyz", "-c", "a.c"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.describe();
}

ZCCACHE_FOR_EACH_COMPILER(Explain);

}  // namespace
}  // namespace zccache::e2e
