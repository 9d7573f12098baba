// The gcc/clang option table and its lookup; see options.h for the matching rules.
#include "zccache/tools/gcc_clang/options.h"

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

namespace zccache::tools::gcc_clang {

namespace {

// Sorted by name in byte order ('-' < uppercase < lowercase). Keep it sorted: find_option does a
// binary search, and options_test checks the order.
constexpr std::array kOptions = {
    OptionInfo{"-###", OptionKind::kInformational, kNoArg},
    OptionInfo{"--analyze", OptionKind::kUnsupported, kNoArg},               // writes a .plist report
    OptionInfo{"--config", OptionKind::kUnsupported, kSeparate},             // reads a clang config file we do not hash
    OptionInfo{"--config=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"--coverage", OptionKind::kProfile, kNoArg},
    OptionInfo{"--driver-mode=", OptionKind::kUnsupported, kJoined},         // may switch to cl.exe syntax
    OptionInfo{"--gcc-toolchain=", OptionKind::kPlain, kJoined},
    OptionInfo{"--help", OptionKind::kInformational, kJoined},               // also --help=...
    OptionInfo{"--param", OptionKind::kPlain, kSeparate},
    OptionInfo{"--param=", OptionKind::kPlain, kJoined},
    OptionInfo{"--precompile", OptionKind::kUnsupported, kNoArg},            // module interface output
    OptionInfo{"--save-temps", OptionKind::kSaveTemps, kJoined},
    OptionInfo{"--serialize-diagnostics", OptionKind::kUnsupported, kSeparate}, // writes a .dia file
    OptionInfo{"--specs=", OptionKind::kUnsupported, kJoined},                // spec file content not hashed
    OptionInfo{"--std=", OptionKind::kPlain, kJoined},
    OptionInfo{"--sysroot", OptionKind::kPlain, kSeparate},
    OptionInfo{"--sysroot=", OptionKind::kPlain, kJoined},
    OptionInfo{"--target-help", OptionKind::kInformational, kNoArg},
    OptionInfo{"--target=", OptionKind::kPlain, kJoined},
    OptionInfo{"--verbose", OptionKind::kInformational, kNoArg},
    OptionInfo{"--version", OptionKind::kInformational, kNoArg},
    OptionInfo{"-B", OptionKind::kUnsupported, kJoined | kSeparate},        // picks cc1/as from a dir we do not hash
    OptionInfo{"-C", OptionKind::kPlain, kNoArg},
    OptionInfo{"-CC", OptionKind::kPlain, kNoArg},
    OptionInfo{"-D", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-E", OptionKind::kPreprocess, kNoArg},
    OptionInfo{"-F", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-H", OptionKind::kPlain, kNoArg},                            // header tree on stderr, which is cached
    OptionInfo{"-I", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-L", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-M", OptionKind::kPreprocess, kNoArg},                       // -M implies -E
    OptionInfo{"-MD", OptionKind::kDepMD, kNoArg},
    OptionInfo{"-MF", OptionKind::kDepMF, kJoined | kSeparate},
    OptionInfo{"-MG", OptionKind::kUnsupported, kNoArg},                     // missing headers become deps
    OptionInfo{"-MJ", OptionKind::kUnsupported, kJoined | kSeparate},        // writes a compilation-database fragment
    OptionInfo{"-MM", OptionKind::kPreprocess, kNoArg},
    OptionInfo{"-MMD", OptionKind::kDepMMD, kNoArg},
    OptionInfo{"-MP", OptionKind::kDepMP, kNoArg},
    OptionInfo{"-MQ", OptionKind::kDepMQ, kJoined | kSeparate},
    OptionInfo{"-MT", OptionKind::kDepMT, kJoined | kSeparate},
    OptionInfo{"-MV", OptionKind::kUnsupported, kNoArg},                     // NMake-style depfile
    OptionInfo{"-O", OptionKind::kPlain, kJoined},                           // -O, -O2, -Os, -Ofast, ...
    OptionInfo{"-ObjC", OptionKind::kUnsupported, kNoArg},                   // changes the language of .c inputs
    OptionInfo{"-ObjC++", OptionKind::kUnsupported, kNoArg},
    OptionInfo{"-P", OptionKind::kPlain, kNoArg},
    OptionInfo{"-Qn", OptionKind::kPlain, kNoArg},
    OptionInfo{"-Qunused-arguments", OptionKind::kPlain, kNoArg},
    OptionInfo{"-Qy", OptionKind::kPlain, kNoArg},
    OptionInfo{"-S", OptionKind::kAssemble, kNoArg},
    OptionInfo{"-T", OptionKind::kPlain, kJoined | kSeparate},               // linker script (link only)
    OptionInfo{"-U", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-W", OptionKind::kPlain, kJoined},                           // warnings
    OptionInfo{"-Wa,", OptionKind::kAssemblerArgs, kJoined},
    OptionInfo{"-Wl,", OptionKind::kPlain, kJoined},                         // link only
    OptionInfo{"-Wp,", OptionKind::kPreprocessorArgs, kJoined},
    OptionInfo{"-Xassembler", OptionKind::kAssemblerArgs, kSeparate},
    OptionInfo{"-Xclang", OptionKind::kClangArgs, kSeparate},
    OptionInfo{"-Xlinker", OptionKind::kPlain, kSeparate},                   // link only
    OptionInfo{"-Xpreprocessor", OptionKind::kPreprocessorArgs, kSeparate},
    OptionInfo{"-ansi", OptionKind::kPlain, kNoArg},
    OptionInfo{"-arch", OptionKind::kArch, kSeparate},
    OptionInfo{"-aux-info", OptionKind::kUnsupported, kSeparate},            // writes prototypes to a file
    OptionInfo{"-c", OptionKind::kCompile, kNoArg},
    OptionInfo{"-coverage", OptionKind::kProfile, kNoArg},
    OptionInfo{"-cxx-isystem", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-d", OptionKind::kUnsupported, kJoined},                     // -dD/-dM/-da...: RTL dumps and -dumpbase/-dumpdir move aux outputs
    OptionInfo{"-dumpfullversion", OptionKind::kInformational, kNoArg},
    OptionInfo{"-dumpmachine", OptionKind::kInformational, kNoArg},
    OptionInfo{"-dumpspecs", OptionKind::kInformational, kNoArg},
    OptionInfo{"-dumpversion", OptionKind::kInformational, kNoArg},
    OptionInfo{"-emit-ast", OptionKind::kUnsupported, kNoArg},
    OptionInfo{"-emit-llvm", OptionKind::kUnsupported, kNoArg},              // the default output becomes .bc
    OptionInfo{"-f", OptionKind::kPlain, kJoined},                           // code generation and language flags
    OptionInfo{"-fauto-profile", OptionKind::kUnsupported, kJoined},         // reads a profile
    OptionInfo{"-fbranch-probabilities", OptionKind::kUnsupported, kNoArg},  // reads .gcda files
    OptionInfo{"-fbuiltin-module-map", OptionKind::kUnsupported, kNoArg},
    OptionInfo{"-fcallgraph-info", OptionKind::kUnsupported, kJoined},       // writes .ci files
    OptionInfo{"-fcolor-diagnostics", OptionKind::kColor, kNoArg},
    OptionInfo{"-fcoverage-mapping", OptionKind::kProfile, kNoArg},
    OptionInfo{"-fcs-profile-generate", OptionKind::kProfile, kJoined},
    OptionInfo{"-fcxx-modules", OptionKind::kUnsupported, kNoArg},
    OptionInfo{"-fdebug-compilation-dir", OptionKind::kDebugDir, kSeparate},
    OptionInfo{"-fdebug-compilation-dir=", OptionKind::kDebugDir, kJoined},
    OptionInfo{"-fdebug-prefix-map=", OptionKind::kPrefixMap, kJoined},
    OptionInfo{"-fdiagnostics-color", OptionKind::kColor, kJoined},          // also =always/never/auto
    OptionInfo{"-fdump-", OptionKind::kUnsupported, kJoined},                // compiler dumps
    OptionInfo{"-ffile-compilation-dir=", OptionKind::kDebugDir, kJoined},
    OptionInfo{"-ffile-prefix-map=", OptionKind::kPrefixMap, kJoined},
    OptionInfo{"-fimplicit-module-maps", OptionKind::kUnsupported, kNoArg},
    OptionInfo{"-fmodule", OptionKind::kUnsupported, kJoined},               // -fmodules*, -fmodule-file=, ...: module caches
    OptionInfo{"-fno-color-diagnostics", OptionKind::kColor, kNoArg},
    OptionInfo{"-fno-diagnostics-color", OptionKind::kColor, kNoArg},
    OptionInfo{"-fno-record-command-line", OptionKind::kNoRecordSwitches, kNoArg},
    OptionInfo{"-fno-record-gcc-switches", OptionKind::kNoRecordSwitches, kNoArg},
    OptionInfo{"-fno-stack-usage", OptionKind::kNoStackUsage, kNoArg},
    OptionInfo{"-fopt-info", OptionKind::kUnsupported, kJoined},             // may write to a file
    OptionInfo{"-foptimization-record-file=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fpass-plugin=", OptionKind::kUnsupported, kJoined},         // loads code
    OptionInfo{"-fpch-preprocess", OptionKind::kUnsupported, kNoArg},
    OptionInfo{"-fplugin", OptionKind::kUnsupported, kJoined},               // loads code
    OptionInfo{"-fprebuilt-module-path=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fproc-stat-report", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fprofile", OptionKind::kUnsupported, kJoined},              // -fprofile-use=, -fprofile-sample-use=, ...: profile inputs
    OptionInfo{"-fprofile-arcs", OptionKind::kProfile, kNoArg},
    OptionInfo{"-fprofile-generate", OptionKind::kProfile, kJoined},         // also =dir
    OptionInfo{"-fprofile-instr-generate", OptionKind::kProfile, kJoined},
    OptionInfo{"-frecord-command-line", OptionKind::kRecordSwitches, kNoArg},
    OptionInfo{"-frecord-gcc-switches", OptionKind::kRecordSwitches, kNoArg},
    OptionInfo{"-fsanitize-blacklist=", OptionKind::kUnsupported, kJoined},  // reads a list we do not hash
    OptionInfo{"-fsanitize-coverage-allowlist=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fsanitize-coverage-blocklist=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fsanitize-coverage-ignorelist=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fsanitize-ignorelist=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fsave-optimization-record", OptionKind::kUnsupported, kJoined}, // writes .opt.yaml
    OptionInfo{"-fstack-usage", OptionKind::kStackUsage, kNoArg},
    OptionInfo{"-fsyntax-only", OptionKind::kUnsupported, kNoArg},           // no object
    OptionInfo{"-ftest-coverage", OptionKind::kProfile, kNoArg},
    OptionInfo{"-fthinlto-index=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-ftime-", OptionKind::kUnsupported, kJoined},                // -ftime-report (timings), -ftime-trace (writes .json)
    OptionInfo{"-ftrapv-handler", OptionKind::kPlain, kSeparate},
    OptionInfo{"-fxray-always-instrument=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fxray-attr-list=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-fxray-never-instrument=", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-g", OptionKind::kDebug, kJoined},
    OptionInfo{"-gcc-toolchain", OptionKind::kPlain, kSeparate},
    OptionInfo{"-gen-cdb-fragment-path", OptionKind::kUnsupported, kSeparate}, // writes compilation-database fragments
    OptionInfo{"-gen-reproducer", OptionKind::kUnsupported, kJoined},
    OptionInfo{"-idirafter", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-iframework", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-iframeworkwithsysroot", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-imacros", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-imultiarch", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-imultilib", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-include", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-include-pch", OptionKind::kUnsupported, kSeparate},         // precompiled header input
    OptionInfo{"-index-store-path", OptionKind::kUnsupported, kSeparate},
    OptionInfo{"-integrated-as", OptionKind::kPlain, kNoArg},
    OptionInfo{"-iprefix", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-iquote", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-isysroot", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-isystem", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-isystem-after", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-ivfsoverlay", OptionKind::kUnsupported, kSeparate},         // reads an overlay we do not hash
    OptionInfo{"-iwithprefix", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-iwithprefixbefore", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-iwithsysroot", OptionKind::kPlain, kJoined | kSeparate},
    OptionInfo{"-l", OptionKind::kPlain, kJoined | kSeparate},               // link only
    OptionInfo{"-m", OptionKind::kPlain, kJoined},                           // target flags
    OptionInfo{"-meabi", OptionKind::kPlain, kSeparate},
    OptionInfo{"-mllvm", OptionKind::kPlain, kSeparate},
    OptionInfo{"-mthread-model", OptionKind::kPlain, kSeparate},
    OptionInfo{"-no-canonical-prefixes", OptionKind::kPlain, kNoArg},
    OptionInfo{"-no-integrated-as", OptionKind::kPlain, kNoArg},
    OptionInfo{"-no-pie", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nobuiltininc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nodefaultlibs", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nogpuinc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nogpulib", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nolibc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nostartfiles", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nostdinc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nostdinc++", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nostdlib", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nostdlib++", OptionKind::kPlain, kNoArg},
    OptionInfo{"-nostdlibinc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-o", OptionKind::kOutput, kJoined | kSeparate},
    OptionInfo{"-objcmt-", OptionKind::kUnsupported, kJoined},               // ObjC migration; also keeps -o from matching
    OptionInfo{"-object", OptionKind::kPlain, kNoArg},                       // link only
    OptionInfo{"-p", OptionKind::kPlain, kNoArg},
    OptionInfo{"-pedantic", OptionKind::kPlain, kNoArg},
    OptionInfo{"-pedantic-errors", OptionKind::kPlain, kNoArg},
    OptionInfo{"-pg", OptionKind::kPlain, kNoArg},
    OptionInfo{"-pie", OptionKind::kPlain, kNoArg},
    OptionInfo{"-pipe", OptionKind::kPlain, kNoArg},
    OptionInfo{"-print-", OptionKind::kInformational, kJoined},
    OptionInfo{"-pthread", OptionKind::kPlain, kNoArg},
    OptionInfo{"-rdynamic", OptionKind::kPlain, kNoArg},
    OptionInfo{"-resource-dir", OptionKind::kPlain, kSeparate},
    OptionInfo{"-resource-dir=", OptionKind::kPlain, kJoined},
    OptionInfo{"-rpath", OptionKind::kPlain, kSeparate},                     // link only
    OptionInfo{"-rtlib=", OptionKind::kPlain, kJoined},
    OptionInfo{"-s", OptionKind::kPlain, kNoArg},
    OptionInfo{"-save-temps", OptionKind::kSaveTemps, kJoined},              // also =obj/cwd
    OptionInfo{"-shared", OptionKind::kPlain, kNoArg},
    OptionInfo{"-shared-libgcc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-specs=", OptionKind::kUnsupported, kJoined},                 // spec file content not hashed
    OptionInfo{"-static", OptionKind::kPlain, kNoArg},
    OptionInfo{"-static-libgcc", OptionKind::kPlain, kNoArg},
    OptionInfo{"-static-libstdc++", OptionKind::kPlain, kNoArg},
    OptionInfo{"-static-pie", OptionKind::kPlain, kNoArg},
    OptionInfo{"-std=", OptionKind::kPlain, kJoined},
    OptionInfo{"-stdlib=", OptionKind::kPlain, kJoined},
    OptionInfo{"-target", OptionKind::kPlain, kSeparate},
    OptionInfo{"-time", OptionKind::kUnsupported, kJoined},                  // timings on stderr
    OptionInfo{"-traditional", OptionKind::kPlain, kNoArg},
    OptionInfo{"-traditional-cpp", OptionKind::kPlain, kNoArg},
    OptionInfo{"-trigraphs", OptionKind::kPlain, kNoArg},
    OptionInfo{"-u", OptionKind::kPlain, kJoined | kSeparate},               // link only
    OptionInfo{"-undef", OptionKind::kPlain, kNoArg},
    OptionInfo{"-undefined", OptionKind::kPlain, kSeparate},                 // link only
    OptionInfo{"-unwindlib=", OptionKind::kPlain, kJoined},
    OptionInfo{"-v", OptionKind::kInformational, kNoArg},
    OptionInfo{"-w", OptionKind::kPlain, kNoArg},
    OptionInfo{"-working-directory", OptionKind::kUnsupported, kJoined | kSeparate},
    OptionInfo{"-wrapper", OptionKind::kUnsupported, kSeparate},             // runs the compiler's subprocesses through a program
    OptionInfo{"-x", OptionKind::kLanguage, kJoined | kSeparate},
    OptionInfo{"-z", OptionKind::kPlain, kSeparate},                         // link only
};

const OptionInfo* find_exact(std::string_view name) {
  auto it = std::lower_bound(kOptions.begin(), kOptions.end(), name,
                             [](const OptionInfo& o, std::string_view n) { return o.name < n; });
  if (it == kOptions.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace

std::span<const OptionInfo> option_table() { return kOptions; }

OptionMatch find_option(std::string_view arg) {
  OptionMatch match;
  if (const OptionInfo* exact = find_exact(arg)) {
    match.info = exact;
    match.exact = true;
    return match;
  }
  // The longest joined name that prefixes arg. Arguments are short, so trying each prefix length
  // with a binary search is cheap and needs no second index.
  for (size_t len = arg.size() - (arg.empty() ? 0 : 1); len >= 2; --len) {
    const OptionInfo* info = find_exact(arg.substr(0, len));
    if (info != nullptr && (info->flags & kJoined) != 0) {
      match.info = info;
      match.joined = arg.substr(len);
      return match;
    }
  }
  return match;
}

}  // namespace zccache::tools::gcc_clang
