// reason_name: the stable snake_case name of each Passthrough reason. These names are part of the
// `status --json` output and of the journal, so they never change once released.
#include <array>
#include <string_view>

#include "zccache/tools/plan.h"

namespace zccache::tools {

namespace {

// Indexed by the enumerator's value; the static_assert below keeps the table and the enum in step.
constexpr std::array<std::string_view, static_cast<size_t>(Passthrough::kCount)> kReasonNames = {
    "none",                // kNone
    "linking",             // kLinking
    "preprocess_only",     // kPreprocessOnly
    "assembly_output",     // kAssemblyOutput
    "no_source",           // kNoSource
    "multiple_sources",    // kMultipleSources
    "stdin_input",         // kStdinInput
    "save_temps",          // kSaveTemps
    "profile_generate",    // kProfileGenerate
    "multiple_arch",       // kMultipleArch
    "informational",       // kInformational
    "unsupported_option",  // kUnsupportedOption
    "output_not_regular",  // kOutputNotRegular
    "response_file",       // kResponseFile
    "unknown_language",    // kUnknownLanguage
    "dependency_env",      // kDependencyEnv
    "unknown_compiler",    // kUnknownCompiler
    "date_time",           // kDateTime
    "missing_source",      // kMissingSource
    "too_new",             // kTooNew
    "disabled",            // kDisabled
    "shared_diagnostics",  // kSharedDiagnostics
    "rust_crate_type",     // kRustCrateType
    "rust_emit",           // kRustEmit
    "incremental",         // kIncremental
    "rust_crate_name",     // kRustCrateName
    "native_library",      // kNativeLibrary
    "tidy_writes_files",   // kTidyWritesFiles
    "tidy_no_compile_command",  // kTidyNoCompileCommand
    "link_unsupported",    // kLinkUnsupported
    "archive_mode",        // kArchiveMode
    "link_nondeterministic",  // kLinkNondeterministic
    "basedir_unshareable",  // kBasedirUnshareable
    "emcc_option",         // kEmccOption
    "emcc_config",         // kEmccConfig
    "emcc_debug_env",      // kEmccDebugEnv
    "emcc_outputs",        // kEmccOutputs
    "emcc_terminal",       // kEmccTerminal
    "compiler_not_found",  // kCompilerNotFound
};
static_assert(kReasonNames.size() == static_cast<size_t>(Passthrough::kCount));

}  // namespace

std::string_view reason_name(Passthrough reason) {
  auto index = static_cast<size_t>(reason);
  if (index >= kReasonNames.size()) return "unknown";
  return kReasonNames[index];
}

}  // namespace zccache::tools
