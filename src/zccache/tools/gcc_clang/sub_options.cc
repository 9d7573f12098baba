// See sub_options.h. The -g rules were checked against gcc 12.2 and clang 14.0.6: which
// combinations write a .dwo, and that the last level option wins (-g0 after -g turns debug off).
#include "zccache/tools/gcc_clang/sub_options.h"

#include <cstddef>
#include <initializer_list>
#include <string_view>

namespace zccache::tools::gcc_clang {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool in_list(std::string_view s, std::initializer_list<std::string_view> list) {
  for (std::string_view item : list) {
    if (s == item) return true;
  }
  return false;
}

template <size_t N>
bool in_list(std::string_view s, const std::string_view (&list)[N]) {
  for (std::string_view item : list) {
    if (s == item) return true;
  }
  return false;
}

bool has_prefix_in(std::string_view s, std::initializer_list<std::string_view> list) {
  for (std::string_view item : list) {
    if (s.starts_with(item)) return true;
  }
  return false;
}

// Calls ok(item) for each separator-delimited item; an empty item is refused.
template <typename Fn>
bool all_items(std::string_view items, char separator, Fn ok) {
  if (separator == '\0') return ok(items);
  while (true) {
    size_t comma = items.find(separator);
    if (!ok(items.substr(0, comma))) return false;
    if (comma == std::string_view::npos) return true;
    items.remove_prefix(comma + 1);
  }
}

// -g options that change neither the debug level nor the outputs.
constexpr std::string_view kNeutralDebugOptions[] = {
    "as-loc-support", "as-locview-support", "codeview-ghash", "column-info", "describe-dies", "dwarf32",
    "dwarf64", "embed-source", "gnu-pubnames", "inline-line-tables", "inline-points",
    "internal-reset-location-views", "pubnames", "simple-template-names", "statement-frontiers",
    "strict-dwarf", "variable-location-views", "variable-location-views=incompat5", "z",
};

}  // namespace

bool apply_debug_option(Family family, std::string_view s, DebugState& state) {
  if (s.empty() || in_list(s, {"1", "2", "3"})) {
    state.level_on = true;
  } else if (s == "0" || s == "gdb0") {
    state.level_on = false;
  } else if (s == "gdb" || in_list(s, {"gdb1", "gdb2", "gdb3"})) {
    state.level_on = true;
  } else if (s == "dwarf" || (s.starts_with("dwarf-") && all_digits(s.substr(6)))) {
    state.level_on = true;  // -gdwarf-N implies -g in both drivers
  } else if (in_list(s, {"line-tables-only", "mlt", "line-directives-only", "lldb", "sce", "dbx", "full", "used",
                         "codeview"})) {
    state.level_on = true;
  } else if (has_prefix_in(s, {"stabs", "xcoff", "vms", "btf", "ctf"})) {
    // Other formats: assume debug info (the safe side for cwd), unless it names level 0.
    if (!s.ends_with('0')) state.level_on = true;
  } else if (s == "split-dwarf") {
    state.split_dwarf = true;
  } else if (s == "split-dwarf=split" || s == "split-dwarf=single") {
    if (family != Family::kClang) return false;  // gcc 12 rejects these
    state.split_dwarf = s == "split-dwarf=split";
  } else if (s == "no-split-dwarf") {
    state.split_dwarf = false;
  } else if (s == "record-command-line" || s == "record-gcc-switches") {
    state.record_command_line = true;  // only clang puts -o and the cwd in the record
  } else if (s == "no-record-command-line" || s == "no-record-gcc-switches") {
    state.record_command_line = false;
  } else if (s == "modules" || s == "toggle") {
    return false;  // module-cache references; gcc's level flip-flop
  } else if (in_list(s, kNeutralDebugOptions) || s.starts_with("z=") || s.starts_with("no-")) {
    // no effect on the level or on outputs
  } else {
    state.unknown_option = true;
  }
  return true;
}

bool preprocessor_args_ok(std::string_view items, char separator) {
  return all_items(items, separator, [](std::string_view item) {
    if (item.size() > 2 && has_prefix_in(item, {"-D", "-U", "-I"})) return true;
    if (item.starts_with("-W")) return true;
    return in_list(item, {"-undef", "-P", "-C", "-CC", "-H", "-nostdinc", "-nostdinc++", "-traditional-cpp",
                          "-trigraphs"});
  });
}

bool assembler_args_ok(std::string_view items, char separator) {
  return all_items(items, separator, [](std::string_view item) {
    if (in_list(item, {"--noexecstack", "--nocompress-debug-sections", "--64", "--32", "--x32",
                       "--fatal-warnings", "--warn", "--no-warn", "-W", "-mbig-obj", "-mshared", "-mno-shared",
                       "-mthumb", "-marm", "-EL", "-EB", "-mbranches-within-32B-boundaries"})) {
      return true;
    }
    return has_prefix_in(item, {"--compress-debug-sections", "-mrelax-relocations=", "-mx86-used-note=",
                                "-march=", "-mcpu=", "-mfpu=", "-mfloat-abi=", "-mimplicit-it=", "-mabi=",
                                "-mfence-as-lock-add=", "-mlfence-", "-mno-", "--generate-missing-build-notes="});
  });
}

bool clang_cc1_arg_ok(std::string_view arg) {
  if (!arg.starts_with('-')) return true;  // a value for a previous -Xclang option
  return !has_prefix_in(arg, {
      "-emit-", "-load", "-plugin", "-add-plugin", "-include-pch", "-include-pth", "-ast-", "-dump", "-fdump",
      "-o", "-dependency-", "-module-", "-fmodule", "-fimplicit-module", "-ftime-trace", "-stats-file",
      "-print-", "-header-include-file", "-serialize-diagnostic", "-fsyntax-only", "-fdepfile-entry", "-M",
      "-sys-header-deps", "-fprofile", "-coverage-", "-femit-coverage", "-ftest-coverage", "-opt-record-",
      "-split-dwarf-", "-stack-usage-file", "-fsave-optimization", "-main-file-name", "-fdebug-compilation-dir",
      "-fcoverage-compilation-dir", "-dwarf-debug-flags", "-record-command-line", "-ivfsoverlay",
      "-code-completion", "-fixit", "-rewrite", "-analyze", "-analyzer", "-verify", "-working-directory",
  });
}

bool is_color_option(std::string_view arg) {
  return in_list(arg, {"-fdiagnostics-color", "-fno-diagnostics-color", "-fcolor-diagnostics",
                       "-fno-color-diagnostics"}) ||
         arg.starts_with("-fdiagnostics-color=");
}

}  // namespace zccache::tools::gcc_clang
