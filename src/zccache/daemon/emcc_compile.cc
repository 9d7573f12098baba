// CompileHandler::plan_emcc(): the first step of an emcc/em++ request. The request is planned by
// the emcc front end (tools/emscripten/parse.h) and its setup (config, tools, interpreter,
// cache directory, environment; emcc_setup.h) is folded into the compiler identity, so that the
// gcc/clang path that follows for `-c` compiles (memo, request key, manifest, delivery, depfile)
// and the link path key on all of it without knowing about Emscripten. emcc runs clang for each
// source, so a compile is planned, injected (-MD -MF) and split per source as for clang.
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/recording_file_reader.h"

namespace zccache::daemon {

std::optional<EmccRequest> CompileHandler::plan_emcc(const protocol::CompileRequest& req, CompilerInfo& compiler,
                                                     protocol::CompileReply& reply) {
  RecordingFileReader reader;
  EmccRequest emcc;
  emcc.plan = tools::emscripten::make_plan(req.args, req.cwd, req.env, reader);
  emcc.response_files = std::move(reader.files());
  emcc.response_files_complete = reader.complete();
  if (emcc.plan.passthrough != tools::Passthrough::kNone) {
    passthrough(emcc.plan.passthrough, reply);
    return std::nullopt;
  }
  emcc.setup = emcc_setup(req, compiler, emcc.plan, p_.files);
  if (emcc.setup.passthrough != tools::Passthrough::kNone) {
    passthrough(emcc.setup.passthrough, reply);
    return std::nullopt;
  }
  compiler.identity = emcc.setup.identity;
  return emcc;
}

}  // namespace zccache::daemon
