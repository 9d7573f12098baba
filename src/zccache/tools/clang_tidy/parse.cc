#include "zccache/tools/clang_tidy/parse.h"

#include <array>
#include <string_view>

#include "zccache/tools/one_of.h"

namespace zccache::tools::clang_tidy {
namespace {

// clang-tidy 14's options (`clang-tidy --help`), by what they mean for the cache.
// Options that take a value and only change the diagnostics: kept in the key (they are in argv).
constexpr std::array<std::string_view, 9> kValueOptions = {
    "checks", "config", "config-file", "p", "extra-arg", "extra-arg-before", "header-filter", "line-filter",
    "warnings-as-errors"};
// Flags (LLVM bool options also take =true/false) that only change the diagnostics.
constexpr std::array<std::string_view, 4> kFlags = {"quiet", "system-headers", "use-color",
                                                    "allow-enabling-analyzer-alpha-checkers"};
// Flags that rewrite sources, and options whose value is a file written (--export-fixes YAML,
// --store-check-profile timing JSON).
constexpr std::array<std::string_view, 3> kFixFlags = {"fix", "fix-errors", "fix-notes"};
constexpr std::array<std::string_view, 2> kWritesFile = {"export-fixes", "store-check-profile"};
// Options that print something other than this run's diagnostics.
constexpr std::array<std::string_view, 8> kInformational = {"help", "help-list", "help-hidden", "version",
                                                            "list-checks", "dump-config", "explain-config",
                                                            "verify-config"};

}  // namespace

TidyPlan make_plan(const std::vector<std::string>& args) {
  TidyPlan plan;
  auto refuse = [&](Passthrough r) {
    if (plan.passthrough == Passthrough::kNone) plan.passthrough = r;
  };
  bool informational = false;
  size_t sources = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      plan.fixed_flags = true;
      plan.compile_flags.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (!a.empty() && a[0] == '@') {
      refuse(Passthrough::kResponseFile);  // LLVM expands @file; we would have to track it
      continue;
    }
    if (a.size() < 2 || a[0] != '-') {
      if (a == "-") {
        refuse(Passthrough::kStdinInput);
      } else {
        plan.source = a;
        ++sources;
      }
      continue;
    }
    std::string_view body = std::string_view(a).substr(a[1] == '-' ? 2 : 1);
    size_t eq = body.find('=');
    std::string name(body.substr(0, eq));
    const size_t first = i;
    auto value = [&]() -> std::string {
      if (eq != std::string_view::npos) return std::string(body.substr(eq + 1));
      if (i + 1 < args.size()) return args[++i];
      refuse(Passthrough::kUnsupportedOption);
      return {};
    };
    bool is_checks = false;
    if (one_of(name, kInformational)) {
      informational = true;
    } else if (one_of(name, kFixFlags)) {
      refuse(Passthrough::kTidyWritesFiles);
    } else if (one_of(name, kWritesFile)) {
      (void)value();
      refuse(Passthrough::kTidyWritesFiles);
    } else if (name == "format-style") {
      (void)value();  // only shapes fixes; stays in the key with the rest of argv
    } else if (one_of(name, kValueOptions)) {
      std::string v = value();
      if (name == "p") plan.build_path = v;
      if (name == "config-file") plan.config_file = v;
      is_checks = name == "checks";
    } else if (one_of(name, kFlags)) {
      // no value: LLVM bool options take only the =true/false form
    } else {
      // --vfsoverlay (reads a file we do not track), --enable-check-profile (prints timings),
      // --load (plugins), anything newer or unknown.
      refuse(Passthrough::kUnsupportedOption);
    }
    for (size_t k = first; k <= i; ++k) {
      plan.options.push_back(args[k]);
      if (!is_checks) plan.scan_options.push_back(args[k]);
    }
  }
  if (informational) {
    plan.passthrough = Passthrough::kInformational;
  } else if (sources == 0) {
    refuse(Passthrough::kNoSource);
  } else if (sources > 1) {
    refuse(Passthrough::kMultipleSources);  // one run, one output stream: not split per source
  } else if (!plan.fixed_flags && plan.build_path.empty()) {
    // clang-tidy would look for compile_commands.json above the source: not modelled.
    refuse(Passthrough::kTidyNoCompileCommand);
  }
  return plan;
}

}  // namespace zccache::tools::clang_tidy
