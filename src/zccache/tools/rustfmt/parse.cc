#include "zccache/tools/rustfmt/parse.h"

#include <array>
#include <string_view>

#include "zccache/tools/one_of.h"

namespace zccache::tools::rustfmt {
namespace {

// Options with a value that decide the formatting.
constexpr std::array<std::string_view, 4> kFormatting = {"edition", "style-edition", "config", "config-path"};
// Flags that decide the formatting.
constexpr std::array<std::string_view, 3> kFormattingFlags = {"unstable-features", "error-on-unformatted",
                                                             "skip-children"};

}  // namespace

RustfmtPlan make_plan(const std::vector<std::string>& args) {
  RustfmtPlan plan;
  auto refuse = [&](Passthrough r) {
    if (plan.passthrough == Passthrough::kNone) plan.passthrough = r;
  };
  bool informational = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-" ) {
      refuse(Passthrough::kStdinInput);
    } else if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string_view body = std::string_view(a).substr(2);
      size_t eq = body.find('=');
      std::string name(body.substr(0, eq));
      auto value = [&]() -> std::string {
        if (eq != std::string_view::npos) return std::string(body.substr(eq + 1));
        if (i + 1 < args.size()) return args[++i];
        refuse(Passthrough::kUnsupportedOption);
        return {};
      };
      if (name == "check") {
        plan.check = true;
      } else if (name == "files-with-diff" || name == "quiet") {
        // output only
      } else if (name == "color") {
        (void)value();
      } else if (name == "emit") {
        if (value() != "files") refuse(Passthrough::kUnsupportedOption);  // stdout: the output is the file
      } else if (one_of(name, kFormatting)) {
        std::string v = value();
        if (name == "config-path") plan.config_path = v;
        plan.options.push_back("--" + name + "=" + v);
      } else if (one_of(name, kFormattingFlags)) {
        plan.options.push_back(a);
      } else if (name == "help" || name == "version" || name == "print-config") {
        informational = true;
      } else {
        refuse(Passthrough::kUnsupportedOption);  // --backup, --verbose, --file-lines, unknown
      }
    } else if (a.size() >= 2 && a[0] == '-') {
      if (a == "-l" || a == "-q") continue;
      if (a == "-V" || a == "-h" || a.rfind("-h", 0) == 0) {
        informational = true;
      } else {
        refuse(Passthrough::kUnsupportedOption);  // -v prints every file it formats
      }
    } else {
      plan.files.push_back(a);
    }
  }
  if (informational) {
    plan.passthrough = Passthrough::kInformational;
  } else if (plan.files.empty()) {
    refuse(Passthrough::kStdinInput);  // no files: rustfmt formats stdin
  }
  return plan;
}

}  // namespace zccache::tools::rustfmt
