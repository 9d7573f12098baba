#include "zccache/tools/clang_tidy/iwyu.h"

#include <optional>
#include <string_view>

#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::tools::clang_tidy {
namespace {

// Response files are refused before parsing, so the clang parser never reads one.
class NoFiles : public FileReader {
 public:
  std::optional<std::string> read(const std::string&) override { return std::nullopt; }
};

}  // namespace

IwyuPlan make_iwyu_plan(const std::vector<std::string>& args, std::string_view cwd,
                        const std::vector<std::string>& env) {
  IwyuPlan plan;
  std::vector<std::string> clang_args;
  bool compile_only = false;
  bool want_mapping_value = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.empty() && a[0] == '@') {
      plan.passthrough = Passthrough::kResponseFile;
      return plan;
    }
    if (a != "-Xiwyu") {
      if (a == "-c") compile_only = true;
      clang_args.push_back(a);
      continue;
    }
    if (i + 1 == args.size()) {
      plan.passthrough = Passthrough::kUnsupportedOption;
      return plan;
    }
    std::string_view opt = args[++i];
    constexpr std::string_view kMapping = "--mapping_file";
    if (want_mapping_value) {
      plan.mapping_files.emplace_back(opt);
      want_mapping_value = false;
    } else if (opt == kMapping) {
      want_mapping_value = true;  // getopt_long takes the value from the next -Xiwyu
    } else if (opt.substr(0, kMapping.size() + 1) == "--mapping_file=") {
      plan.mapping_files.emplace_back(opt.substr(kMapping.size() + 1));
    } else if (opt == "--help" || opt == "--version") {
      plan.passthrough = Passthrough::kInformational;
      return plan;
    }
    // Every other IWYU option shapes only the report; it is in argv, hence in the key.
  }
  // IWYU analyses without -c too; the clang parser wants a compile to find the source.
  if (!compile_only) clang_args.emplace_back("-c");
  NoFiles reader;
  Plan clang = gcc_clang::make_plan(Family::kClang, clang_args, cwd, env, reader);
  if (clang.passthrough != Passthrough::kNone) {
    plan.passthrough = clang.passthrough;
  } else if (!clang.units.empty()) {
    plan.passthrough = Passthrough::kMultipleSources;
  } else {
    plan.source = clang.source;
  }
  return plan;
}

}  // namespace zccache::tools::clang_tidy
