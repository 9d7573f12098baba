// The emcc/em++ front end: argv -> EmccPlan. emcc (Emscripten 3.1.6) is a Python driver that
// consumes its own options (tools/emscripten/options.h), then runs clang for each source (-c) or
// wasm-ld plus its JavaScript back end (a link). A compile is planned by the gcc/clang parser
// (clang semantics: emcc runs clang), with emcc's options made known to it; a link gets an
// EmccLinkPlan. Pure: reads only response files, through the FileReader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/file_reader.h"
#include "zccache/tools/plan.h"

namespace zccache::tools::emscripten {

struct EmccLinkPlan {
  std::string output;                   // -o as given; "a.out.js" without one
  // Every file the link writes, as given, the -o target first: x.js/x.mjs -> + x.wasm;
  // x.html -> + x.js, x.wasm; x.wasm alone (standalone wasm, no JS).
  std::vector<std::string> outputs;
  // Files beside the outputs that other settings would write (x.worker.js, x.wasm.map, x.data,
  // ...): none may change during a miss, else the prediction was wrong and nothing is stored.
  std::vector<std::string> guarded;
  std::vector<std::string> js_inputs;   // --pre-js, --post-js, --extern-*-js, --js-library, --shell-file
  std::vector<std::string> inputs;      // objects and archives named on the command line
};

struct EmccPlan {
  Passthrough passthrough = Passthrough::kNone;
  // argv after emcc as emcc sees it: EMCC_CFLAGS appended (shlex-split), @files expanded.
  std::vector<std::string> args;
  bool cflags_from_env = false;  // EMCC_CFLAGS added arguments
  bool link = false;
  Plan compile;        // !link: the clang plan of `args` (its family is kClang)
  EmccLinkPlan link_plan;
  std::string config_file;  // the value of `--em-config FILE` on the command line, or ""
  std::string cache_dir;    // the value of --cache, or ""
};

// args: argv after emcc/em++; env: the compile's "NAME=VALUE" strings.
EmccPlan make_plan(const std::vector<std::string>& args, std::string_view cwd, const std::vector<std::string>& env,
                   FileReader& reader);

// Variables emcc or its tools read that write files besides the outputs (kEmccDebugEnv).
inline constexpr std::string_view kDebugEnv[] = {"EMCC_DEBUG", "EMCC_DEBUG_SAVE", "EMCC_SAVE_OPT_TEMP",
                                                 "EMCC_STDERR_FILE", "EMPROFILE", "LLD_REPRODUCE"};

// Whether the variable NAME is in an emcc key: every EMCC_*, EM_*, EMMAKEN_*, EMSCRIPTEN* and
// EMSDK* variable (emcc.py, tools/*.py: EMCC_CFLAGS, EMCC_FORCE_STDLIBS, EM_CACHE, EM_CONFIG,
// EM_<config key>, EMSDK_PYTHON, ...), plus LLVM_ADD_VERSION, CLANG_ADD_VERSION and the node
// settings NODE_PATH and NODE_OPTIONS (node runs the JS back end). Left out, as they change no
// output: the lock and parallelism variables EM_EXCLUSIVE_CACHE_ACCESS, EM_HAVE_TEMP_DIR_LOCK,
// EMCC_CORES, EM_PYTHON_MULTIPROCESSING.
bool keyed_env_name(std::string_view name);

// Whether emcc itself (not clang) wrote to stderr: its diagnostics ("emcc: warning: ...", from
// tools/diagnostics.py) or its log ("cache:INFO: ...", Python logging through
// tools/colored_logger.py). Both are coloured only when stderr is a terminal.
bool has_emcc_messages(std::string_view stderr_text);

}  // namespace zccache::tools::emscripten
