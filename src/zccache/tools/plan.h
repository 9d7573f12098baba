// Plan: what a tool family makes of one invocation. Pure data, produced by a family's parser from
// argv, cwd and env (plus a FileReader for response files), consumed by the daemon. A Plan either
// says "cacheable, and here are the inputs, outputs and key parts" or names the reason it is not;
// that reason is also the statistic the daemon bumps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zccache::tools {

// kEmcc: Emscripten's emcc/em++, a Python driver over clang and wasm-ld (tools/emscripten/).
enum class Family : uint8_t { kUnknown, kGcc, kClang, kRust, kRustfmt, kClangTidy, kIwyu, kAr, kLld, kEmcc };

// Why an invocation runs uncached. Names (reason_name) are stable: they appear in `status --json`.
enum class Passthrough : uint8_t {
  kNone = 0,
  kLinking,             // no -c or -S: the driver links
  kPreprocessOnly,      // -E, or -M/-MM (which imply -E)
  kAssemblyOutput,      // -S (not handled yet)
  kNoSource,            // no input file
  kMultipleSources,     // several inputs with -c that cannot be split per source (-o, -MF, -MT/-MQ,
                        // -x between inputs, two sources with one object name)
  kStdinInput,          // "-" as input
  kSaveTemps,           // -save-temps writes intermediate files we do not track
  kProfileGenerate,     // -fprofile-generate/-fprofile-arcs/--coverage: runtime paths, .gcno
  kMultipleArch,        // more than one -arch
  kInformational,       // --version, -v, -###, --help, -dumpversion, -print-*
  kUnsupportedOption,   // an option whose effect on outputs we do not model
  kOutputNotRegular,    // an output path exists and is not a regular file (/dev/null, a FIFO)
  kResponseFile,        // an @file could not be read or is nested too deep
  kUnknownLanguage,     // the source is not C, C++ or preprocessed assembly
  kDependencyEnv,       // DEPENDENCIES_OUTPUT / SUNPRO_DEPENDENCIES ask for an extra depfile
  kUnknownCompiler,     // the binary is not gcc or clang
  kDateTime,            // __DATE__/__TIME__/__TIMESTAMP__ used without SOURCE_DATE_EPOCH
  kMissingSource,       // the source file does not exist (the compiler reports it)
  kTooNew,              // an input changed while the compile ran: result not stored
  kDisabled,            // ZCCACHE_DISABLE
  kSharedDiagnostics,   // several misses compiled in one process printed output that cannot be
                        // told apart per source: compiled and delivered, not stored
  kRustCrateType,       // rustc: a crate type other than lib/rlib/staticlib (bin, dylib, cdylib,
                        // proc-macro, --test), or none given
  kRustEmit,            // rustc: an --emit kind other than link/metadata/dep-info
  kIncremental,         // rustc -C incremental: rustc keeps its own state between runs
  kRustCrateName,       // rustc without --crate-name: the name (and the outputs') come from the source
  kNativeLibrary,       // rustc -l static=NAME whose library is not found in the -L directories
  kTidyWritesFiles,     // clang-tidy -fix/--fix-errors/--fix-notes/--export-fixes/--store-check-profile
  kTidyNoCompileCommand,  // clang-tidy with neither `--` nor -p (it would search for a database)
  kLinkUnsupported,     // a link with an option, input or linker we do not model (tools/link/parse.h)
  kArchiveMode,         // ar: an operation or modifier other than r/q with c, s, S, v, D (deterministic)
  kLinkNondeterministic,  // a link whose command gave different bytes on two runs (link_verify.h)
  kBasedirUnshareable,  // ZCCACHE_BASEDIR: the relocated result would name this checkout (a diagnostic
                        // with its path, a file named by an absolute spelling): compiled, not stored
  kEmccOption,          // emcc: an option that fetches ports, embeds or preloads files, runs a program
                        // (--closure, --js-transform), reads settings from @files, or writes outputs
                        // we do not predict (source maps, workers, symbol maps, side modules)
  kEmccConfig,          // emcc: its config file is not plain literal assignments (it could read the
                        // environment or other files), names a COMPILER_WRAPPER, or cannot be found
  kEmccDebugEnv,        // emcc: EMCC_DEBUG, EMCC_DEBUG_SAVE, EMCC_SAVE_OPT_TEMP, EMCC_STDERR_FILE,
                        // EMPROFILE or LLD_REPRODUCE, which write files besides the outputs
  kEmccOutputs,         // emcc link: a file beside the outputs changed that we did not predict: not stored
  kEmccTerminal,        // emcc printed its own messages while stderr was a terminal, which it colours
                        // only then (the miss ran with a pipe): not stored
  kCompilerNotFound,    // a name the daemon found nowhere in the request's PATH (the client then
                        // searches itself and says so)
  kCount
};

std::string_view reason_name(Passthrough reason);

// The user's dependency-file request (-MD/-MMD with -MF/-MT/-MQ/-MP).
struct DepfileSpec {
  bool requested = false;       // -MD or -MMD present (with -c)
  bool system_headers = true;   // -MD: true; -MMD: false
  std::string path;             // where the compiler writes it, as the compiler spells it (cwd-relative or absolute)
  // Target names exactly as they appear in the file, in the file's order (-MQ already quoted; gcc
  // moves -MT before -MQ and strips leading "./"); the quoted object name when no -MT/-MQ is given.
  std::vector<std::string> targets;
  bool phony_targets = false;   // -MP
};

struct Plan {
  Passthrough passthrough = Passthrough::kNone;
  Family family = Family::kUnknown;

  // argv after the compiler, with @response files expanded (recursively).
  std::vector<std::string> args;
  std::string source;    // the single source, as given
  std::string language;  // as for -x: "c", "c++", "assembler-with-cpp", "objective-c", "objective-c++", ...
  std::string object;    // the object path as the compiler derives it (explicit -o or basename.o), as given
  DepfileSpec depfile;
  // Other files the compile writes, as the compiler names them: .dwo (-gsplit-dwarf), .su (-fstack-usage), ...
  std::vector<std::string> extra_outputs;

  // The arguments that form the request key: `args` in order minus the source, the output (-o),
  // and the dependency-file options (-MD/-MMD/-MF/-MT/-MQ/-MP). Everything else stays, in order.
  // -o stays when the object embeds its own output name (-gsplit-dwarf names the .dwo; clang's
  // -frecord-command-line / -grecord-command-line record the whole command).
  std::vector<std::string> key_args;
  // True when the working directory can reach the output: debug info (DW_AT_comp_dir) unless a
  // -fdebug-prefix-map/-ffile-prefix-map maps exactly the cwd or clang's -fdebug-compilation-dir /
  // -ffile-compilation-dir fixes it; clang's recorded command line. (Profile and coverage flags
  // are passed through before this matters.)
  bool cwd_matters = false;
  // True when a -f(no-)diagnostics-color / -f(no-)color-diagnostics flag fixes the colour, so the
  // terminal does not matter.
  bool color_explicit = false;
  // Arguments for a search-path probe `<compiler> <probe_args> -E -v -x <language> /dev/null -o /dev/null`:
  // key_args minus -c/-S and -o. Flags such as -gsplit-dwarf and -fstack-usage stay: with -E they
  // write nothing (checked with gcc 12 and clang 14). The daemon runs it to learn the include
  // directories in the compiler's order.
  std::vector<std::string> probe_args;

  // Several sources with -c: one complete single-source Plan per source, in command-line order.
  // Unit i is exactly the Plan of `args` without the other sources (so a single-source and a
  // multi-source compile of one file share cache entries), and unit_arg_indexes[i] is the index of
  // its source in `args`. Empty for a single source; then the fields above describe the compile.
  std::vector<Plan> units;
  std::vector<uint32_t> unit_arg_indexes;
};

}  // namespace zccache::tools
