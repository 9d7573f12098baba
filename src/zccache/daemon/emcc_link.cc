// CompileHandler's emcc link path: begin_emcc_link(), stage_emcc_link(), record_emcc_link().
//
// `emcc a.o b.o -L lib -lfoo -o app.js` runs wasm-ld, then emcc's JavaScript back end (node on
// src/compiler.js and the JS libraries), binaryen, and writes app.js and app.wasm.
// - request key: the emcc setup (emcc_setup.h: emcc's own sources, config, tools by content,
//   Python, cache directory, environment), the cwd, the arguments as emcc sees them (EMCC_CFLAGS
//   appended, @files expanded), the predicted outputs, each JS input (--pre-js, --post-js,
//   --extern-*-js, --js-library, --shell-file) by content, and the `acorn` module node would load
//   for the JS optimizer (resolved once per node, NODE_PATH and HOME).
// - manifest: what wasm-ld read, from wasm-ld itself. lld 14's wasm-ld has no --dependency-file
//   (and, unlike ELF ld.lld, ignores LLD_REPRODUCE); the miss adds -Wl,--reproduce=<tmp>.tar
//   (checked to leave app.js and app.wasm unchanged), which makes wasm-ld write every file its
//   driver opened into that archive (tools/link/reproduce_tar.h): the objects,
//   the user's archives, the system libraries emcc picked from its cache (libc.a,
//   libcompiler_rt.a, ... built on demand when the cache is not frozen, and then listed like any
//   other). emcc itself reads no other link input: it resolves -lfoo to a path (the same file),
//   and the JS back end reads src/ (in the identity), the JS inputs (in the key) and the cache's
//   struct_info.json (added to the manifest). Plus the search: each lib<name>.a taken from a
//   search directory (the -L directories of the reproduce response file, in order) records that
//   lib<name>.a is absent from the directories before it (emcc.py find_library and wasm-ld look
//   for .a first in every directory; .so inputs pass through).
// - outputs: predicted from -o (tools/emscripten/parse.h) and checked after the miss: every
//   predicted file exists and is regular, and none of the guarded files beside them changed (else
//   nothing is stored: kEmccOutputs). Each is stored with whether it was executable (wasm-ld
//   makes the .wasm 0755) and delivered with 0777 or 0666 under the client's umask.
// - determinism: two links of the same inputs give the same bytes with Emscripten 3.1.6 (the e2e
//   suite links twice bare and compares: emcc embeds no time, and its temporary directory does
//   not reach the outputs); the first miss of each key is still linked twice and compared
//   (emcc_link_verified, as link_verify.h does for other links), since an emcc wrapper, a node
//   or binaryen of another version could stamp something.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "zccache/base/log.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/reproduce_inputs.h"
#include "zccache/daemon/request_key.h"
#include "zccache/daemon/search_absences.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"

namespace zccache::daemon {
namespace {

using tools::Passthrough;

constexpr std::string_view kEmccLinkSalt = "zccache-emcc-link-key-v1";
constexpr std::string_view kRoleExecutable = "output+x";
constexpr std::string_view kRolePlain = "output";

std::string normal_path(const std::string& cwd, std::string_view path) {
  std::string s = std::filesystem::path(os::absolute_from(cwd, path)).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The file node's require('acorn') loads from emcc's tools/ directory (tools/acorn-optimizer.js,
// run for optimised links), or "" when node finds none. Memoized per node binary and the
// variables node's module search reads.
std::string acorn_module(const std::string& node, const hash::Digest& node_digest, const std::string& root,
                         const std::vector<std::string>& env) {
  static std::mutex mutex;
  static std::map<hash::Digest, std::string> memo;  // GUARDED_BY(mutex)
  hash::Hasher h;
  h.add_digest(node_digest).add(root);
  std::vector<std::string> probe_env{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  for (const char* name : {"NODE_PATH", "HOME", "NODE_OPTIONS"}) {
    const char* v = find_env(env, name);
    h.add(name).add(v ? v : "\x01unset");
    if (v) probe_env.push_back(std::string(name) + "=" + v);
  }
  hash::Digest key = h.finish();
  {
    std::lock_guard lock(mutex);
    auto it = memo.find(key);
    if (it != memo.end()) return it->second;
  }
  std::string script = "try{process.stdout.write(require.resolve('acorn',{paths:[" "'" + root +
                       "/tools']}))}catch(e){}";
  auto out = os::run_capture({node, "-e", script}, &probe_env);
  std::string path = out.ok() && out->exit_code == 0 ? out->stdout_data : std::string();
  std::lock_guard lock(mutex);
  memo[key] = path;
  return path;
}

Result<bool> deliver_outputs(const store::ResultEntry& entry, const std::vector<std::string>& outputs, uint32_t umask,
                             store::ArtifactStore& artifacts) {
  if (entry.outputs.size() != outputs.size()) return make_error(ErrorCode::kCorrupt, "emcc link result without its outputs");
  for (const auto& path : outputs) {
    if (!writable_output(path)) return false;
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const store::StoredOutput& out = entry.outputs[i];
    mode_t mode = (out.role == kRoleExecutable ? 0777 : 0666) & ~static_cast<mode_t>(umask);
    ZCCACHE_TRY(artifacts.deliver(out.blob, outputs[i], mode));
  }
  return true;
}

std::optional<os::FileInfo> state_of(const std::string& path) {
  auto info = os::lstat_path(path);
  if (!info.ok()) return std::nullopt;
  return *info;
}

}  // namespace

std::unique_ptr<PendingMiss> CompileHandler::begin_emcc_link(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                             EmccRequest emcc, protocol::CompileReply& reply,
                                                             CompileEvent* event) {
  const tools::emscripten::EmccLinkPlan& plan = emcc.plan.link_plan;
  std::vector<std::string> outputs;
  for (const auto& out : plan.outputs) outputs.push_back(os::absolute_from(req.cwd, out));
  for (const auto& out : outputs) {
    if (!writable_output(out)) {
      passthrough(Passthrough::kOutputNotRegular, reply);
      return nullptr;
    }
  }
  hash::Hasher h;
  h.add(kEmccLinkSalt).add_digest(compiler.identity).add(req.cwd);
  h.add("args").add_u64(emcc.plan.args.size());
  for (const auto& a : emcc.plan.args) h.add(a);
  h.add("outputs");
  for (const auto& out : plan.outputs) h.add(out);
  h.add("js");
  for (const auto& js : plan.js_inputs) {
    auto facts = p_.files.facts(os::absolute_from(req.cwd, js));
    h.add(js);
    if (facts.ok()) h.add_digest(facts->digest);
    else h.add("missing");
  }
  std::vector<std::string> extra_inputs;
  std::string node = os::real_path(emcc.setup.node);
  auto node_facts = node.empty() ? Result<fscache::FileFacts>(make_error(ErrorCode::kNotFound, "no node"))
                                 : p_.files.facts(node);
  std::string acorn =
      node_facts.ok() ? acorn_module(node, node_facts->digest, compiler.emscripten_root, req.env) : std::string();
  h.add("acorn").add(acorn);
  if (!acorn.empty()) extra_inputs.push_back(acorn);
  hash::Digest key = h.finish();
  // emscripten.py generate_struct_info: read (or made) in the cache's lib directory.
  std::string struct_info = emcc.setup.cache_dir + "/sysroot/lib/wasm32-emscripten/struct_info.json";

  tools::Plan journal;
  journal.family = tools::Family::kEmcc;
  journal.args = req.args;
  journal.source = plan.inputs[0];
  journal.object = plan.output;
  auto deliver = [&](const store::ResultEntry& result) {
    return deliver_outputs(result, outputs, req.umask, p_.artifacts);
  };
  if (link_answered(req, key, journal, deliver, reply, event)) return nullptr;
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  for (const auto& out : outputs) unshare_output(out);
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  auto link = std::make_unique<EmccLinkMiss>();
  // wasm-ld writes the archive into ZCCACHE_DIR/tmp: when that cannot be created, asking for it
  // would fail the link, so the link runs without it and is not stored.
  std::string tar = p_.tmp_dir + "/emcclink-" + std::to_string(::getpid()) + "-" + std::to_string(reply.miss_token) + ".tar";
  int fd = ::open(tar.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    link->reproduce_tar = tar;
    reply.extra_args = {"-Wl,--reproduce=" + tar};
  }
  link->outputs = std::move(outputs);
  for (const auto& g : plan.guarded) {
    std::string path = os::absolute_from(req.cwd, g);
    link->guarded.emplace_back(path, state_of(path));
  }
  extra_inputs.push_back(struct_info);
  link->extra_inputs = std::move(extra_inputs);
  miss->units.push_back(MissUnit{.plan = std::move(journal), .request_key = key});
  miss->emcc_link = std::move(link);
  miss->request = req;
  miss->compiler = std::move(compiler);
  return miss;
}

bool CompileHandler::stage_emcc_link(PendingMiss& miss, const protocol::StoreRequest& store,
                                     protocol::StoreReply& reply) {
  MissUnit& unit = miss.units[0];
  EmccLinkMiss& link = *miss.emcc_link;
  for (const auto& [path, before] : link.guarded) {
    if (state_of(path) != before) {
      log::debug("not stored: the emcc link changed " + path);
      p_.stats.passthrough(Passthrough::kEmccOutputs);
      reply.reason = std::string(tools::reason_name(Passthrough::kEmccOutputs));
      return false;
    }
  }
  StagedResult staged = staged_from(store);
  for (const auto& output : link.outputs) {
    auto info = os::lstat_path(output);
    if (!info.ok() || !info->is_regular()) {
      return not_stored(reply, "emcc link output missing or not a regular file: " + output);
    }
    uint64_t size = 0;
    auto blob = p_.artifacts.put_file(output, &size);
    if (!blob.ok()) return not_stored(reply, blob.error().message);
    staged.entry.outputs.push_back({std::string((info->mode & 0111) != 0 ? kRoleExecutable : kRolePlain), *blob, size});
  }
  if (link.reproduce_tar.empty()) return not_stored(reply, "no reproduce archive could be asked for");
  auto inputs = reproduce_inputs(link.reproduce_tar);
  ::unlink(link.reproduce_tar.c_str());
  if (!inputs.ok()) {
    const bool corrupt = inputs.error().code == ErrorCode::kCorrupt;
    return not_stored(reply, (corrupt ? "unreadable reproduce archive: " : "wasm-ld wrote no reproduce archive: ") +
                             inputs.error().message);
  }
  if (inputs->files.empty()) return not_stored(reply, "unreadable reproduce archive: it lists no input");
  staged.dep_paths = std::move(inputs->files);
  for (const auto& extra : link.extra_inputs) {
    if (os::stat_path(extra).ok()) staged.dep_paths.push_back(extra);
  }
  // Kept for record(): the search order, to add the absence of earlier libraries.
  link.search_dirs.clear();
  for (const auto& d : inputs->search_dirs) link.search_dirs.push_back(normal_path(miss.request.cwd, d));
  unit.staged = std::move(staged);
  return true;
}

void CompileHandler::record_emcc_link(PendingMiss& miss, MissUnit& unit) {
  StagedResult& staged = *unit.staged;
  const EmccLinkMiss& link = *miss.emcc_link;
  const std::string& cwd = miss.request.cwd;
  std::set<std::string> written_dirs;
  for (const auto& out : link.outputs) written_dirs.insert(std::string(os::dirname_of(out)));
  // Objects, archives and JSON hold no source text to scan for __DATE__.
  auto built = file_input_set("emcc link", staged.dep_paths, cwd, staged.start_time_ns, written_dirs);
  if (!built) return;
  store::IncludeSet set = std::move(*built);
  // lib<name>.a from search directory k: absent from directories 0..k-1.
  std::map<std::string, std::set<std::string>> shadows;
  for (const auto& file : set.files) {
    std::string abs = normal_path(cwd, file.path);
    std::string_view name = os::basename_of(abs);
    if (name.substr(0, 3) != "lib" || name.size() < 6 || name.substr(name.size() - 2) != ".a") continue;
    auto found = std::find(link.search_dirs.begin(), link.search_dirs.end(), std::string(os::dirname_of(abs)));
    if (found == link.search_dirs.end()) continue;  // named by path, not searched
    for (auto dir = link.search_dirs.begin(); dir != found; ++dir) shadows[*dir].insert(std::string(name));
  }
  add_search_absences(shadows, p_.listings, set.dirs);
  if (!emcc_link_verified(miss, unit, set)) return;
  (void)commit(unit.request_key, std::move(set), staged.entry);
}

// The determinism check of links (link_verify.h) for emcc: the first miss of a key is linked again
// by the same emcc with -o naming a file of the same name in a scratch directory (the .js and
// .html name the .wasm and .js by base name only), and every output, stdout and stderr compared.
bool CompileHandler::emcc_link_verified(PendingMiss& miss, MissUnit& unit, const store::IncludeSet& set) {
  auto manifest = p_.index.get(store::Table::kManifests, unit.request_key.raw());
  if (manifest.ok() && manifest->has_value()) return true;  // an earlier miss of the key was verified
  const EmccLinkMiss& link = *miss.emcc_link;
  const std::vector<std::string>& args = miss.request.args;
  std::string scratch = p_.tmp_dir + "/emcc-relink-XXXXXX";
  if (!::mkdtemp(scratch.data())) {
    p_.stats.error();
    return false;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{scratch};
  // -o as the user wrote it, on the command line (one inside an @file cannot be redirected).
  std::vector<std::string> argv{miss.request.compiler};
  std::string given;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      given = args[++i];
      argv.push_back("-o");
      argv.push_back(scratch + "/" + std::string(os::basename_of(given)));
    } else if (args[i].size() > 2 && args[i].compare(0, 2, "-o") == 0) {
      given = args[i].substr(2);
      argv.push_back("-o" + scratch + "/" + std::string(os::basename_of(given)));
    } else {
      argv.push_back(args[i]);
    }
  }
  if (given.empty()) {
    log::debug("emcc link verification: no -o on the command line");
    p_.stats.passthrough(Passthrough::kLinkUnsupported);
    return false;
  }
  auto run = os::run_capture(argv, &miss.request.env, miss.request.cwd);
  std::string relinked = scratch + "/" + std::string(os::basename_of(given));
  auto as_first = [&](std::string text) {
    for (size_t at = text.find(relinked); at != std::string::npos; at = text.find(relinked, at + given.size())) {
      text.replace(at, relinked.size(), given);
    }
    return text;
  };
  bool same = run.ok() && run->exit_code == 0 && as_first(run->stdout_data) == unit.staged->entry.stdout_data &&
              as_first(run->stderr_data) == unit.staged->entry.stderr_data;
  bool failed = !run.ok() || run->exit_code != 0;
  const auto& outputs = unit.staged->entry.outputs;
  for (size_t i = 0; same && i < link.outputs.size() && i < outputs.size(); ++i) {
    auto bytes = os::read_file(scratch + "/" + std::string(os::basename_of(link.outputs[i])));
    auto stored = p_.artifacts.read(outputs[i].blob);
    if (!bytes.ok() || !stored.ok()) {
      failed = true;
      break;
    }
    same = *bytes == *stored;
  }
  // The inputs must be the ones both runs read: an input changed meanwhile says nothing.
  if (p_.watcher) p_.watcher->drain();
  if (!include_set_matches(set, miss.request.cwd, p_.files, p_.listings)) {
    p_.stats.passthrough(Passthrough::kTooNew);
    return false;
  }
  if (failed) {
    log::debug("emcc link verification could not relink " + given);
    p_.stats.error();
    return false;
  }
  p_.stats.link_verified(same);
  if (!same) {
    log::debug("emcc link of " + given + " is not deterministic: passed through from now on");
    link_verdicts_.mark_nondeterministic(unit.request_key);
  }
  return same;
}

}  // namespace zccache::daemon
