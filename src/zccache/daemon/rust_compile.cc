// CompileHandler's rustc path: begin_rust(), stage_rust(), record_rust().
//
// A hit needs no rustc process: the key covers the toolchain, the arguments, the extern crates'
// and native libraries' contents and the environment (rust_key.h); the manifest holds, per key,
// the source files rustc's dep-info named and the env!/option_env! values it recorded, checked
// through the metadata cache. Outputs are named by the plan (tools/rustc/parse.h); the out-dir is
// not in the key, so the dep-info file and the JSON artifact notices on stderr are stored with a
// placeholder for it and rewritten for the build that asks. Results travel through the remote
// tier as C compiles' do (remote_lookup.cc): fetched after a local miss, uploaded after a store.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "zccache/base/log.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/config_search.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/recording_file_reader.h"
#include "zccache/daemon/request_key.h"
#include "zccache/daemon/rust_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"
#include "zccache/tools/rustc/dep_info.h"

namespace zccache::daemon {
namespace {

using tools::Passthrough;
using tools::rustc::RustPlan;

// Stands for the out-dir in stored bytes. ESC never starts a path, and this sequence is no ANSI
// escape rustc writes.
constexpr std::string_view kOutDirPlaceholder = "\x1b[zccache-out-dir]";

std::string role_of(const tools::rustc::RustOutput& out, size_t i) { return out.kind + ":" + std::to_string(i); }

// rustc's --color=auto: colour when stderr is a terminal, TERM is set and not "dumb", and
// NO_COLOR is unset.
bool rust_terminal_wants_color(const std::vector<std::string>& env, bool stderr_is_tty) {
  if (!stderr_is_tty || find_env(env, "NO_COLOR")) return false;
  const char* term = find_env(env, "TERM");
  return term && *term && std::string_view(term) != "dumb";
}

// The Plan the journal and the activity record see for a rustc compile.
tools::Plan journal_plan(const RustPlan& rust) {
  tools::Plan plan;
  plan.family = tools::Family::kRust;
  plan.args = rust.args;
  plan.source = rust.source;
  plan.object = rust.outputs.empty() ? std::string() : rust.outputs.back().path;
  return plan;
}

std::string with_out_dir(std::string_view stored, const std::string& out_dir) {
  return tools::rustc::replace_dir(stored, kOutDirPlaceholder, out_dir);
}

Result<bool> deliver_rust(const RustPlan& plan, const store::ResultEntry& entry, const std::string& cwd, mode_t mode,
                          store::ArtifactStore& artifacts) {
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const auto& out = plan.outputs[i];
    std::string role = role_of(out, i);
    auto stored = std::find_if(entry.outputs.begin(), entry.outputs.end(),
                               [&](const store::StoredOutput& s) { return s.role == role; });
    if (stored == entry.outputs.end()) return make_error(ErrorCode::kCorrupt, "stored result lacks " + role);
    std::string abs = os::absolute_from(cwd, out.path);
    if (out.kind == "dep-info") {
      auto bytes = artifacts.read(stored->blob);
      if (!bytes.ok()) return bytes.error();
      ZCCACHE_TRY(write_output(abs, with_out_dir(*bytes, plan.out_dir), mode));
    } else {
      ZCCACHE_TRY(artifacts.deliver(stored->blob, abs, mode));
    }
  }
  return true;
}

// cargo runs clippy-driver as `clippy-driver <path of rustc> <rustc args>`: the first argument
// only selects that mode.
bool clippy_wrapper_mode(const CompilerInfo& compiler, const std::vector<std::string>& args) {
  return compiler.clippy && !args.empty() && os::basename_of(args[0]) == "rustc";
}

// Keeps the inputs and env-deps of a dep-info text in the miss; false when it is not one.
bool take_dep_info(const std::string& text, PendingMiss& miss) {
  auto deps = tools::rustc::parse_dep_info(text);
  if (!deps || deps->files.empty()) return false;
  miss.rust->inputs = std::move(deps->files);
  miss.rust->env_deps = std::move(deps->env);
  return true;
}

// The dep-info of a compile that asked for none: the same command writing only that, into our
// temporary directory (after the client has its reply; a file changed since the compile started
// makes build_include_set refuse the result).
Result<std::string> scan_dep_info(const PendingMiss& miss, const std::string& tmp_dir) {
  static std::atomic<uint64_t> counter{0};
  std::string path = tmp_dir + "/rustdep-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".d";
  std::vector<std::string> argv{miss.request.compiler};
  if (clippy_wrapper_mode(miss.compiler, miss.request.args)) argv.push_back(miss.request.args[0]);
  const auto& scan = miss.rust->plan.scan_args;
  argv.insert(argv.end(), scan.begin(), scan.end());
  argv.push_back("--emit=dep-info=" + path);
  auto out = os::run_capture(argv, &miss.request.env, miss.request.cwd);
  auto text = os::read_file(path);
  ::unlink(path.c_str());
  if (!out.ok()) return out.error();
  if (out->exit_code != 0) return make_error(ErrorCode::kIo, "rustc dep-info scan failed: " + out->stderr_data);
  return text;
}

// Digests of the regular files below cargo's OUT_DIR (bounded: a -sys crate may keep a whole C
// build there; past the bounds the remaining files are simply not settled).
std::map<std::string, hash::Digest> settle_out_dir(const std::vector<std::string>& env, fscache::MetadataCache& files) {
  constexpr size_t kMaxFiles = 2048;
  constexpr uint64_t kMaxBytes = 64ull << 20;
  std::map<std::string, hash::Digest> out;
  const char* dir = find_env(env, "OUT_DIR");
  if (!dir || dir[0] != '/') return out;
  std::error_code ec;
  uint64_t bytes = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator() && out.size() < kMaxFiles; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    bytes += it->file_size(ec);
    if (bytes > kMaxBytes) break;
    std::string path = it->path().string();
    if (auto facts = files.facts(path); facts.ok()) out.emplace(path, facts->digest);
  }
  return out;
}

// clippy's configuration as clippy-driver finds it: the first clippy.toml or .clippy.toml in
// CLIPPY_CONF_DIR, else in CARGO_MANIFEST_DIR and its parents (else the cwd and its parents). The
// digest covers the absent candidates before it, so a new clippy.toml closer to the crate counts.
hash::Digest clippy_config_digest(const protocol::CompileRequest& req, fscache::MetadataCache& files) {
  hash::Hasher h;
  const char* conf_dir = find_env(req.env, "CLIPPY_CONF_DIR");
  const char* manifest_dir = find_env(req.env, "CARGO_MANIFEST_DIR");
  std::string dir = conf_dir ? std::string(conf_dir) : manifest_dir ? std::string(manifest_dir) : req.cwd;
  // CLIPPY_CONF_DIR is not searched upwards.
  hash_config_search(h, os::absolute_from(req.cwd, dir), {"clippy.toml", ".clippy.toml"}, !conf_dir, files);
  return h.finish();
}

}  // namespace

std::optional<std::string> CompileHandler::rustup_proxy_target(const protocol::CompileRequest& req) {
  std::string_view name = os::basename_of(req.compiler);
  if (name != "rustc" && name != "rustfmt" && name != "clippy-driver") return std::nullopt;
  std::string real = os::real_path(req.compiler);
  if (os::basename_of(real) != "rustup") return std::nullopt;
  auto out = os::run_capture({real, "which", std::string(name)}, &req.env, req.cwd);
  if (!out.ok() || out->exit_code != 0) return std::string();  // unknown: the compile passes through
  std::string path = out->stdout_data;
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  if (path.empty() || path[0] != '/') return std::string();
  return path;
}

std::unique_ptr<PendingMiss> CompileHandler::begin_rust(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                        protocol::CompileReply& reply, CompileEvent* event) {
  RecordingFileReader reader;
  const bool wrapper_mode = clippy_wrapper_mode(compiler, req.args);
  RustPlan plan = tools::rustc::make_plan(
      wrapper_mode ? std::vector<std::string>(req.args.begin() + 1, req.args.end()) : req.args, req.cwd, reader);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  for (const auto& out : plan.outputs) {
    if (!writable_output(os::absolute_from(req.cwd, out.path))) {
      passthrough(Passthrough::kOutputNotRegular, reply);
      return nullptr;
    }
  }
  // What the arguments name, by content. A missing one is rustc's to report.
  RustKeyInputs in{&compiler, &plan, req.cwd, &req.env, {}, {}, {}, false};
  auto digest_of = [&](const std::string& path) -> std::optional<hash::Digest> {
    auto facts = p_.files.facts(os::absolute_from(req.cwd, path));
    if (!facts.ok()) return std::nullopt;
    return facts->digest;
  };
  bool found = digest_of(plan.source).has_value();
  for (const auto& e : plan.externs) {
    if (e.path.empty()) continue;
    auto d = digest_of(e.path);
    found = found && d;
    if (d) in.extern_digests.push_back(*d);
  }
  if (!plan.target_json.empty()) {
    auto d = digest_of(plan.target_json);
    found = found && d;
    if (d) in.target_json_digest = *d;
  }
  if (!found) {
    passthrough(Passthrough::kMissingSource, reply);
    return nullptr;
  }
  std::vector<std::string> native_dirs;
  for (const auto& d : plan.native_dirs) native_dirs.push_back(os::absolute_from(req.cwd, d));
  for (const auto& name : plan.static_libs) {
    std::string lib = tools::rustc::find_static_lib(name, native_dirs, [](const std::string& p) {
      auto info = os::stat_path(p);
      return info.ok() && info->is_regular();
    });
    auto d = lib.empty() ? std::nullopt : digest_of(lib);
    if (!d) {
      passthrough(Passthrough::kNativeLibrary, reply);
      return nullptr;
    }
    in.static_lib_digests.push_back(*d);
  }
  in.color_on = !plan.color_explicit && rust_terminal_wants_color(req.env, req.stderr_is_tty);
  if (compiler.clippy) in.clippy_config = clippy_config_digest(req, p_.files);
  hash::Digest key = rust_request_key(in);

  const mode_t mode = output_mode(req.umask);
  auto deliver = [&](const store::ResultEntry& result) { return deliver_rust(plan, result, req.cwd, mode, p_.artifacts); };
  MemoUnit found_result;
  std::vector<RemoteAttempt> attempts;
  if (lookup(req, key, deliver, reply, &found_result) ||
      try_remote_hit(req, plan.args, key, deliver, reply, &found_result, attempts)) {
    reply.stderr_data = with_out_dir(reply.stderr_data, plan.out_dir);
    if (event) {
      event->note_hit(0, false, journal_plan(plan), found_result.result);
      event->hits.back().remote = std::move(attempts);
    }
    return nullptr;
  }

  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  for (const auto& out : plan.outputs) unshare_output(os::absolute_from(req.cwd, out.path));
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  if (in.color_on) reply.extra_args.emplace_back("--color=always");
  miss->units.push_back(MissUnit{.plan = journal_plan(plan), .request_key = key, .remote = std::move(attempts),
                                 .upload_note = upload_note(plan.args)});
  miss->rust = std::make_unique<RustMiss>();
  miss->rust->settled = settle_out_dir(req.env, p_.files);
  miss->rust->plan = std::move(plan);
  miss->request = req;
  miss->compiler = std::move(compiler);
  return miss;
}

bool CompileHandler::stage_rust(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply) {
  MissUnit& unit = miss.units[0];
  const RustPlan& plan = miss.rust->plan;
  const std::string& cwd = miss.request.cwd;

  StagedResult staged = staged_from(store);
  staged.entry.stderr_data = tools::rustc::replace_dir(store.stderr_data, plan.out_dir, kOutDirPlaceholder);
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const auto& out = plan.outputs[i];
    std::string abs = os::absolute_from(cwd, out.path);
    auto info = os::lstat_path(abs);
    if (!info.ok() || !info->is_regular()) {
      return not_stored(reply, "output missing or not a regular file: " + out.path);
    }
    uint64_t size = 0;
    Result<hash::Digest> blob = make_error(ErrorCode::kIo, "");
    if (out.kind == "dep-info") {
      auto text = os::read_file(abs);
      if (!text.ok()) return not_stored(reply, text.error().message);
      std::string stored = tools::rustc::replace_dir(*text, plan.out_dir, kOutDirPlaceholder);
      size = stored.size();
      blob = p_.artifacts.put_bytes(stored);
    } else {
      blob = p_.artifacts.put_file(abs, &size);
    }
    if (!blob.ok()) return not_stored(reply, blob.error().message);
    staged.entry.outputs.push_back({role_of(out, i), *blob, size});
  }
  // Without a dep-info file of the build's, record_rust() scans for the inputs.
  if (!plan.depinfo_path.empty()) {
    auto text = os::read_file(os::absolute_from(cwd, plan.depinfo_path));
    if (!text.ok()) return not_stored(reply, text.error().message);
    if (!take_dep_info(*text, miss)) return not_stored(reply, "unreadable dep-info " + plan.depinfo_path);
  }
  unit.staged = std::move(staged);
  return true;
}

void CompileHandler::record_rust(PendingMiss& miss, MissUnit& unit) {
  StagedResult& staged = *unit.staged;
  if (miss.rust->inputs.empty()) {
    auto text = scan_dep_info(miss, p_.tmp_dir);
    if (!text.ok() || !take_dep_info(*text, miss)) {
      log::debug("rust dep-info scan failed for " + miss.rust->plan.source);
      p_.stats.error();
      return;
    }
  }
  // Outputs are found under another out-dir next time; an input inside it would be looked up at
  // the old place.
  const RustPlan& plan = miss.rust->plan;
  if (!plan.out_dir.empty()) {
    std::string out_abs = os::absolute_from(miss.request.cwd, plan.out_dir) + "/";
    for (const auto& f : miss.rust->inputs) {
      if (os::absolute_from(miss.request.cwd, f).rfind(out_abs, 0) == 0) {
        log::debug("not stored: an input is inside the out-dir: " + f);
        p_.stats.error();
        return;
      }
    }
  }
  staged.dep_paths = miss.rust->inputs;
  // rustc finds modules by path, not through search directories: the set is the files alone
  // (plus the environment). __DATE__ means nothing in Rust.
  auto built =
      file_input_set("rust", staged.dep_paths, miss.request.cwd, staged.start_time_ns, {}, &miss.rust->settled);
  if (!built) return;
  store::IncludeSet set = std::move(*built);
  for (const auto& dep : miss.rust->env_deps) {
    set.env.push_back({dep.name, store::env_value_digest(dep.value ? dep.value->c_str() : nullptr)});
  }
  // Travels like a C compile's result: its outputs and stderr hold the out-dir placeholder, its
  // input set the paths rustc read (absolute ones pin the project's path, as locally).
  set.result_key = result_key(unit.request_key, set.files, set.env);
  store::IncludeSet uploaded = p_.remote ? set : store::IncludeSet{};
  if (!commit(unit.request_key, std::move(set), staged.entry)) return;
  upload(miss, unit, std::move(uploaded), staged.entry);
}

}  // namespace zccache::daemon
