#include "zccache/daemon/compile_handler.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "zccache/base/log.h"
#include "zccache/base/parallel.h"
#include "zccache/daemon/basedir.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/memo_watch.h"
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/recording_file_reader.h"
#include "zccache/daemon/request_key.h"
#include "zccache/daemon/unit_output.h"
#include "zccache/protocol/unit_marker.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/program_search.h"
#include "zccache/store/manifest.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/depfile.h"
#include "zccache/tools/emscripten/parse.h"
#include "zccache/tools/gcc_clang/parse.h"

namespace zccache::daemon {
namespace {

// Whether the compiler would colour its diagnostics on its own: stderr is a terminal and TERM
// allows it (gcc: TERM set and not "dumb"; clang: TERM names a colour terminal). When it would,
// the miss runs with colour forced (the pipe is not a terminal) and the key records it.
bool terminal_wants_color(tools::Family family, const std::vector<std::string>& env, bool stderr_is_tty) {
  if (!stderr_is_tty) return false;
  const char* term = find_env(env, "TERM");
  if (!term || !*term || std::string_view(term) == "dumb") return false;
  if (family == tools::Family::kGcc) return true;
  std::string_view t(term);
  for (std::string_view prefix : {"ansi", "cygwin", "linux", "screen", "xterm", "vt100", "rxvt", "tmux"})
    if (t.substr(0, prefix.size()) == prefix) return true;
  return t.find("color") != std::string_view::npos;
}

// gcc's -fdiagnostics-urls=auto on a colour terminal: on, except where the user chose a mode or
// for the terminals gcc 12 knows to garble them (COLORTERM=xfce4-terminal; gnome-terminal with
// TERM=xterm). The URL format then comes from GCC_URLS/TERM_URLS, which are in the key.
bool gcc_terminal_wants_urls(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  for (const auto& a : args)
    if (a.rfind("-fdiagnostics-urls", 0) == 0) return false;
  const char* colorterm = find_env(env, "COLORTERM");
  if (colorterm && std::string_view(colorterm) == "xfce4-terminal") return false;
  const char* term = find_env(env, "TERM");
  if (colorterm && std::string_view(colorterm) == "gnome-terminal" && term && std::string_view(term) == "xterm")
    return false;
  return true;
}

}  // namespace

PendingMiss::~PendingMiss() {
  if (!injected_depfile.empty()) ::unlink(injected_depfile.c_str());
  if (emcc_link && !emcc_link->reproduce_tar.empty()) ::unlink(emcc_link->reproduce_tar.c_str());
}

bool PendingMiss::done() const {
  for (const MissUnit& unit : units) {
    if (!unit.compiled) return false;
  }
  return true;
}

void CompileHandler::passthrough(tools::Passthrough reason, protocol::CompileReply& reply) {
  p_.stats.passthrough(reason);
  reply.outcome = protocol::CompileOutcome::kPassthrough;
  reply.reason = std::string(tools::reason_name(reason));
}

PlannedRequest CompileHandler::plan_request(const protocol::CompileRequest& req, const CompilerInfo& compiler,
                                            const EmccRequest* emcc) {
  PlannedRequest out;
  out.compiler = compiler;
  tools::Plan plan;
  if (emcc) {
    plan = emcc->plan.compile;
    out.response_files = emcc->response_files;
    out.response_files_complete = emcc->response_files_complete;
  } else {
    RecordingFileReader reader;
    plan = tools::gcc_clang::make_plan(compiler.family, req.args, req.cwd, req.env, reader);
    out.response_files = std::move(reader.files());
    out.response_files_complete = reader.complete();
  }
  out.passthrough = plan.passthrough;
  if (out.passthrough != tools::Passthrough::kNone) return out;
  // One unit per source; the checks and the key of each are those of a single-source compile.
  out.multi = !plan.units.empty();
  if (out.multi) {
    out.expanded_args = std::move(plan.args);
    out.unit_arg_indexes = std::move(plan.unit_arg_indexes);
    out.plans = std::move(plan.units);
  } else {
    out.plans.push_back(std::move(plan));
  }
  out.basedir = basedir_from_env(req.env);
  bool time_macros_ok = compiler.honors_source_date_epoch && find_env(req.env, "SOURCE_DATE_EPOCH") != nullptr;
  out.color_on = !out.plans[0].color_explicit && terminal_wants_color(compiler.family, req.env, req.stderr_is_tty);
  for (const tools::Plan& unit : out.plans) {
    if (!outputs_writable(unit, req.cwd)) {
      out.passthrough = tools::Passthrough::kOutputNotRegular;
      return out;
    }
    auto source = p_.files.facts(os::absolute_from(req.cwd, unit.source));
    if (!source.ok()) {
      out.passthrough = tools::Passthrough::kMissingSource;
      return out;
    }
    if (source->uses_time_macros && !time_macros_ok) {
      out.passthrough = tools::Passthrough::kDateTime;
      return out;
    }
    KeyInputs in{&compiler, &unit, source->digest, req.cwd, &req.env, out.color_on};
    bool relocated = relocatable(unit, req.cwd, out.basedir);
    out.keys.push_back(relocated ? relocated_request_key(in, out.basedir) : request_key(in));
    out.relocated.push_back(relocated);
    out.source_digests.push_back(source->digest);
  }
  return out;
}

bool CompileHandler::find_compiler(protocol::CompileRequest& req, protocol::CompileReply& reply) {
  const char* path_env = find_env(req.env, "PATH");
  const std::string_view path = path_env ? path_env : os::kDefaultSearchPath;
  // An empty or relative entry is the client's working directory, which must be known.
  std::string found;
  auto self = os::parse_file_id(req.path_search);
  if (self && !req.cwd.empty() && req.compiler.find('/') == std::string::npos) {
    found = search_.find(req.compiler, path, req.cwd, *self);
  }
  if (found.empty()) {
    passthrough(tools::Passthrough::kCompilerNotFound, reply);
    return false;
  }
  req.compiler = found;
  req.path_search.clear();
  reply.compiler = std::move(found);
  return true;
}

std::unique_ptr<PendingMiss> CompileHandler::begin(protocol::CompileRequest& req, protocol::CompileReply& reply,
                                                   CompileEvent* event) {
  // Every change made before the build started this compile is in the queue now: see it first.
  if (p_.watcher) p_.watcher->drain();
  if (!req.path_search.empty() && !find_compiler(req, reply)) return nullptr;
  auto compiler = p_.compilers.info(rustup_proxy_target(req).value_or(req.compiler));
  if (!compiler.ok() || compiler->family == tools::Family::kUnknown) {
    passthrough(tools::Passthrough::kUnknownCompiler, reply);
    return nullptr;
  }
  if (compiler->family == tools::Family::kRust) return begin_rust(req, std::move(compiler).value(), reply, event);
  if (compiler->family == tools::Family::kRustfmt) return begin_rustfmt(req, std::move(compiler).value(), reply, event);
  if (compiler->family == tools::Family::kClangTidy) return begin_tidy(req, std::move(compiler).value(), reply, event);
  if (compiler->family == tools::Family::kIwyu) return begin_iwyu(req, std::move(compiler).value(), reply, event);
  if (compiler->family == tools::Family::kAr) return begin_ar(req, std::move(compiler).value(), reply, event);
  if (compiler->family == tools::Family::kLld) return begin_direct_link(req, std::move(compiler).value(), reply, event);
  std::optional<EmccRequest> emcc;
  if (compiler->family == tools::Family::kEmcc) {
    emcc = plan_emcc(req, *compiler, reply);
    if (!emcc) return nullptr;
    if (emcc->plan.link) return begin_emcc_link(req, std::move(compiler).value(), std::move(*emcc), reply, event);
  }
  hash::Digest mkey = memo_key(req);
  if (try_memo_hit(req, *compiler, mkey, reply, event)) return nullptr;
  PlannedRequest planned = plan_request(req, *compiler, emcc ? &*emcc : nullptr);
  if (planned.passthrough == tools::Passthrough::kLinking) return begin_link(req, std::move(compiler).value(), reply, event);
  if (planned.passthrough != tools::Passthrough::kNone) {
    passthrough(planned.passthrough, reply);
    return nullptr;
  }
  const bool multi = planned.multi;
  std::vector<tools::Plan>& plans = planned.plans;
  const std::vector<hash::Digest>& keys = planned.keys;
  const std::vector<hash::Digest>& source_digests = planned.source_digests;
  const bool color_on = planned.color_on;

  auto miss = std::make_unique<PendingMiss>();
  // Remembered once every source hit, so that the same request next time skips parsing, keys
  // and manifests.
  auto remember = [&](std::vector<MemoUnit> units) {
    if (!planned.response_files_complete) return;
    auto memo = make_memo_entry(compiler->identity, std::move(planned.response_files), std::move(units));
    if (!memo) return;
    if (event) event->new_memo = memo;
    memo_.put(mkey, std::move(memo));
  };
  if (!multi) {
    std::vector<MemoUnit> memo_units(1);
    std::vector<RemoteAttempt> attempts;
    if (try_hit(req, plans[0], keys[0], reply, &memo_units[0]) ||
        try_remote_hit(req, plans[0], keys[0], reply, &memo_units[0], attempts)) {
      if (event) {
        event->note_hit(0, false, plans[0], memo_units[0].result);
        event->hits.back().remote = std::move(attempts);
      }
      memo_units[0].plan = std::move(plans[0]);
      memo_units[0].source_digest = source_digests[0];
      remember(std::move(memo_units));
      return nullptr;
    }
    p_.stats.miss();
    if (planned.response_files_complete) {
      miss->memo_key = mkey;
      miss->response_files = planned.response_files;
      miss->source_digest = source_digests[0];
    }
    miss->units.push_back(MissUnit{.plan = std::move(plans[0]), .request_key = keys[0], .remote = std::move(attempts)});
    reply.outcome = protocol::CompileOutcome::kMiss;
  } else {
    std::vector<MemoUnit> memo_units(plans.size());
    lookup_units(req, plans, keys, reply, miss->units, memo_units, event);
    if (miss->units.empty()) {
      // Every source hit: one reply that replays their output in order.
      reply.outcome = protocol::CompileOutcome::kHit;
      reply.exit_code = 0;
      for (size_t i = 0; i < plans.size(); ++i) {
        reply.stdout_data += reply.unit_stdout[i];
        reply.stderr_data += reply.unit_stderr[i];
        memo_units[i].plan = std::move(plans[i]);
        memo_units[i].source_digest = source_digests[i];
      }
      reply.unit_hit.clear();
      reply.unit_arg_index.clear();
      reply.unit_stdout.clear();
      reply.unit_stderr.clear();
      remember(std::move(memo_units));
      return nullptr;
    }
    miss->multi = true;
    reply.outcome = protocol::CompileOutcome::kMulti;
    reply.expanded_args = std::move(planned.expanded_args);
    reply.unit_arg_index = std::move(planned.unit_arg_indexes);
  }
  for (const MissUnit& unit : miss->units) unshare_outputs(unit.plan, req.cwd);
  reply.miss_token = next_token_.fetch_add(1);
  std::string dep_name = p_.tmp_dir + "/dep-" + std::to_string(::getpid()) + "-" + std::to_string(reply.miss_token) + ".d";
  const tools::Plan& first = miss->units[0].plan;
  // The compiler writes the injected depfile into ZCCACHE_DIR/tmp: when that directory is
  // read-only or gone, asking for it would fail the compile, so the miss goes on without it (the
  // dependencies are scanned later, or the result is not stored) and the error is counted. A disk
  // that fills up later is the client's case: it reruns the compile without our additions.
  bool can_inject = true;
  if (!first.depfile.requested && (!multi || compiler->family == tools::Family::kGcc)) {
    int fd = ::open(dep_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      log::debug("cannot create " + dep_name + ": " + std::strerror(errno));
      p_.stats.error();
      can_inject = false;
    } else {
      ::close(fd);
    }
  }
  if (!first.depfile.requested && can_inject) {
    if (!multi) {
      miss->injected_depfile = dep_name;
      reply.extra_args = {"-MD", "-MF", dep_name};
    } else if (compiler->family == tools::Family::kGcc) {
      // One gcc run writes one -MF file, so several sources cannot each get theirs that way; the
      // environment variable makes gcc append one rule per source (target: the object) with
      // system headers to one file, changing nothing else (objects compared with and without).
      // clang has no such variable: record() scans each source instead (a preprocessor-only
      // run after the client has its reply).
      miss->injected_depfile = dep_name;
      reply.extra_env = {"SUNPRO_DEPENDENCIES=" + dep_name};
    }
  }
  // gcc marks where each source's diagnostics begin (unit_output.h); clang needs no help.
  reply.unit_markers = multi && compiler->family == tools::Family::kGcc;
  if (color_on) {
    // The compile's stderr is a pipe; give it what a terminal would have given: colour, and for
    // gcc the hyperlinks of -fdiagnostics-urls=auto (unless the user chose a urls mode).
    bool gcc = compiler->family == tools::Family::kGcc;
    reply.extra_args.emplace_back(gcc ? "-fdiagnostics-color=always" : "-fcolor-diagnostics");
    if (gcc && gcc_terminal_wants_urls(first.args, req.env)) reply.extra_args.emplace_back("-fdiagnostics-urls=always");
  }
  for (MissUnit& unit : miss->units) {
    if (planned.relocated[unit.index]) unit.basedir = planned.basedir;
  }
  for (MissUnit& unit : miss->units) unit.upload_note = upload_note(unit.plan.args);
  miss->request = req;
  miss->compiler = std::move(compiler).value();
  return miss;
}

void CompileHandler::lookup_units(const protocol::CompileRequest& req, std::vector<tools::Plan>& plans,
                                  const std::vector<hash::Digest>& keys, protocol::CompileReply& reply,
                                  std::vector<MissUnit>& misses, std::vector<MemoUnit>& memo_units,
                                  CompileEvent* event) {
  const size_t n = plans.size();
  std::vector<protocol::CompileReply> replies(n);
  std::vector<uint8_t> hit(n, 0);
  std::vector<std::vector<RemoteAttempt>> attempts(n);
  for_each_parallel(n, [&](size_t i) {
    hit[i] = try_hit(req, plans[i], keys[i], replies[i], &memo_units[i]) ||
                     try_remote_hit(req, plans[i], keys[i], replies[i], &memo_units[i], attempts[i])
                 ? 1
                 : 0;
  });
  reply.unit_hit = hit;
  for (size_t i = 0; i < n; ++i) {
    reply.unit_stdout.push_back(std::move(replies[i].stdout_data));
    reply.unit_stderr.push_back(std::move(replies[i].stderr_data));
    if (hit[i] && event) {
      event->note_hit(static_cast<uint32_t>(i), true, plans[i], memo_units[i].result);
      event->hits.back().remote = std::move(attempts[i]);
    }
    if (hit[i]) continue;
    p_.stats.miss();
    misses.push_back(MissUnit{.plan = std::move(plans[i]), .request_key = keys[i], .index = static_cast<uint32_t>(i),
                              .remote = std::move(attempts[i])});
  }
}

void CompileHandler::deliver_reply(const store::ResultEntry& result, protocol::CompileReply& reply) {
  p_.stats.hit();
  reply.outcome = protocol::CompileOutcome::kHit;
  reply.exit_code = result.exit_code;
  reply.stdout_data = result.stdout_data;
  reply.stderr_data = result.stderr_data;
}

bool CompileHandler::try_memo_hit(const protocol::CompileRequest& req, const CompilerInfo& compiler,
                                  const hash::Digest& mkey, protocol::CompileReply& reply, CompileEvent* event) {
  auto memo = memo_.find(mkey);
  if (!memo || compiler.identity != memo->compiler_identity) return false;
  const MemoCheck check = memo_inputs_unchanged(*memo, req.cwd);
  if (check == MemoCheck::kChanged) return false;
  const size_t n = memo->units.size();
  for (const MemoUnit& unit : memo->units) {
    if (!outputs_writable(unit.plan, req.cwd)) return false;  // the full path passes it through
  }
  std::vector<store::UsageTracker::Lease> leases;
  for (const MemoUnit& unit : memo->units) {
    auto lease = p_.usage.lease(unit.include_set.result_key);
    if (!lease) return false;  // being evicted
    leases.push_back(std::move(*lease));
  }
  std::vector<uint8_t> delivered(n, 0);
  const std::string basedir = basedir_from_env(req.env);
  for_each_parallel(n, [&](size_t i) {
    const MemoUnit& unit = memo->units[i];
    auto d = deliver_result(unit.plan, unit.result, req.cwd, output_mode(req.umask), p_.artifacts, basedir);
    delivered[i] = d.ok() && *d;
  });
  if (std::find(delivered.begin(), delivered.end(), 0) != delivered.end()) {
    memo_.erase(mkey);
    return false;
  }
  deliver_reply(memo->units[0].result, reply);
  p_.stats.memo_answered(check == MemoCheck::kBySnapshot);
  for (size_t i = 1; i < n; ++i) {
    p_.stats.hit();
    reply.stdout_data += memo->units[i].result.stdout_data;
    reply.stderr_data += memo->units[i].result.stderr_data;
  }
  if (event) {
    for (size_t i = 0; i < n; ++i) event->note_hit(i, n > 1, memo->units[i].plan, memo->units[i].result);
  }
  return true;
}

void CompileHandler::prepare_repeat(const CompileEvent& event, const std::string& cwd) {
  // The result does not matter here: a changed input is found again by the next request.
  if (event.new_memo && !event.new_memo->verified_unchanged()) (void)memo_inputs_unchanged(*event.new_memo, cwd);
}

CompileHandler::MemoCheck CompileHandler::memo_inputs_unchanged(const MemoEntry& memo, const std::string& cwd) {
  // Response files one by one, always (memo_watch.h says why they are not in the snapshot).
  for (const auto& rsp : memo.response_files) {
    auto facts = p_.files.facts(rsp.path);
    if (!facts.ok() || facts->digest != rsp.digest) return MemoCheck::kChanged;
  }
  if (memo.verified_unchanged()) return MemoCheck::kBySnapshot;  // no event in any directory the checks below read
  // The snapshot comes before the checks: an event after it makes the snapshot stale, never the
  // other way round.
  // The directories are the last passed check's (request_memo.h) when there was one: working
  // them out took most of a check behind 50 -I directories, and was done before and after it.
  MemoEntry::WatchDirs dirs;
  std::optional<watcher::GenerationSnapshot> snapshot;
  if (p_.watcher) {
    dirs = memo.watch_dirs();
    if (!dirs) {
      auto found = memo_watch_dirs(memo, cwd, p_.listings, nullptr);
      if (found) dirs = std::make_shared<const std::vector<std::string>>(std::move(*found));
    }
  }
  if (dirs) snapshot = watcher::GenerationSnapshot::take(*p_.watcher, *dirs);
  // Every source must still hit before any output is written; otherwise the full lookup runs.
  // The sources' shared headers are checked once, through the merged include set.
  if (!include_set_matches(memo.inputs, cwd, p_.files, p_.listings)) return MemoCheck::kChanged;
  for (const MemoUnit& unit : memo.units) {
    auto source = p_.files.facts(os::absolute_from(cwd, unit.plan.source));
    if (!source.ok() || source->digest != unit.source_digest) return MemoCheck::kChanged;
  }
  if (snapshot) {
    // What the answers just checked depend on: trusted only when the snapshot covers all of it.
    auto trusted = memo_watch_dirs(memo, cwd, p_.listings, &p_.files);
    if (trusted && std::includes(dirs->begin(), dirs->end(), trusted->begin(), trusted->end())) {
      memo.set_verified(std::move(snapshot));
    }
    memo.set_watch_dirs(trusted ? std::make_shared<const std::vector<std::string>>(std::move(*trusted)) : nullptr);
  }
  return MemoCheck::kChecked;
}

CompileHandler::Deliver CompileHandler::deliverer(const protocol::CompileRequest& req, const tools::Plan& plan) {
  return [&req, &plan, this](const store::ResultEntry& result) {
    return deliver_result(plan, result, req.cwd, output_mode(req.umask), p_.artifacts, basedir_from_env(req.env));
  };
}

bool CompileHandler::try_hit(const protocol::CompileRequest& req, const tools::Plan& plan, const hash::Digest& key,
                             protocol::CompileReply& reply, MemoUnit* memo) {
  return lookup(req, key, deliverer(req, plan), reply, memo);
}

bool CompileHandler::lookup(const protocol::CompileRequest& req, const hash::Digest& key, const Deliver& deliver,
                            protocol::CompileReply& reply, MemoUnit* memo) {
  auto bytes = p_.index.get(store::Table::kManifests, key.raw());
  if (!bytes.ok() || !bytes->has_value()) return false;
  auto manifest = store::decode_manifest(**bytes);
  if (!manifest) return false;
  for (const auto& set : manifest->entries) {
    if (!include_set_matches(set, req.cwd, p_.files, p_.listings, &req.env)) continue;
    auto lease = p_.usage.lease(set.result_key);  // held until delivered: eviction leaves it alone
    if (!lease) continue;
    auto result_bytes = p_.index.get(store::Table::kResults, set.result_key.raw());
    if (!result_bytes.ok() || !result_bytes->has_value()) continue;
    auto result = store::decode_result(**result_bytes);
    if (!result) continue;
    bool complete = true;
    for (const auto& out : result->outputs) complete = complete && p_.artifacts.contains(out.blob);
    auto delivered = complete ? deliver(*result) : Result<bool>(make_error(ErrorCode::kCorrupt, "artifact missing"));
    if (!delivered.ok()) {
      // Compile instead. A corrupt or vanished artifact also drops the result; a destination we
      // cannot write (say, a missing output directory) is for the compiler to report.
      log::debug("delivery failed: " + delivered.error().message);
      if (delivered.error().code == ErrorCode::kCorrupt) {
        p_.stats.error();
        (void)p_.index.erase(store::Table::kResults, set.result_key.raw());
      }
      return false;
    }
    if (!*delivered) continue;  // depfile cannot be rendered for this target
    deliver_reply(*result, reply);
    if (memo) {
      memo->include_set = set;
      memo->result = std::move(*result);
    }
    return true;
  }
  return false;
}

StagedResult CompileHandler::staged_from(const protocol::StoreRequest& store) {
  StagedResult staged;
  staged.entry.exit_code = store.exit_code;
  staged.entry.stdout_data = store.stdout_data;
  staged.entry.stderr_data = store.stderr_data;
  staged.entry.compile_time_ns = static_cast<uint64_t>(store.duration_ns);
  staged.start_time_ns = store.start_time_ns;
  return staged;
}

bool CompileHandler::not_stored(protocol::StoreReply& reply, const std::string& why) {
  log::debug("not stored: " + why);
  p_.stats.error();
  reply.reason = why;
  return false;
}

protocol::StoreReply CompileHandler::stage(PendingMiss& miss, const protocol::StoreRequest& store) {
  protocol::StoreReply reply;
  // emcc colours its own messages only on a terminal; the miss ran with a pipe.
  if (miss.compiler.family == tools::Family::kEmcc && miss.request.stderr_is_tty &&
      tools::emscripten::has_emcc_messages(store.stderr_data)) {
    for (MissUnit& unit : miss.units) {
      bool held = !miss.multi || std::find(store.units.begin(), store.units.end(), unit.index) != store.units.end();
      if (held) unit.compiled = true;
    }
    p_.stats.passthrough(tools::Passthrough::kEmccTerminal);
    reply.reason = std::string(tools::reason_name(tools::Passthrough::kEmccTerminal));
    return reply;
  }
  if (!miss.multi) {
    MissUnit& unit = miss.units[0];
    unit.compiled = true;
    if (miss.tidy) {  // exit code 1 (diagnostics reported as errors) is a result too
      reply.stored = stage_tidy(miss, store, reply);
      return reply;
    }
    if (store.exit_code != 0) {
      p_.stats.compile_failed();
      reply.reason = "compile failed";
      return reply;
    }
    if (miss.rust) {
      reply.stored = stage_rust(miss, store, reply);
      return reply;
    }
    if (miss.link) {
      reply.stored = stage_link(miss, store, reply);
      return reply;
    }
    if (miss.emcc_link) {
      reply.stored = stage_emcc_link(miss, store, reply);
      return reply;
    }
    if (miss.rustfmt) {  // nothing to copy: the files were formatted in place
      StagedResult staged;
      staged.entry.compile_time_ns = static_cast<uint64_t>(store.duration_ns);
      staged.start_time_ns = store.start_time_ns;
      unit.staged = std::move(staged);
      reply.stored = true;
      return reply;
    }
    reply.stored = stage_unit(miss, unit, store, store.stdout_data, store.stderr_data, nullptr, reply);
    return reply;
  }

  std::vector<MissUnit*> held;
  for (uint32_t index : store.units) {
    auto it = std::find_if(miss.units.begin(), miss.units.end(),
                           [&](const MissUnit& u) { return u.index == index && !u.compiled; });
    if (it == miss.units.end()) {
      p_.stats.error();
      reply.reason = "store names a source that is not a pending miss";
      return reply;
    }
    held.push_back(&*it);
  }
  for (MissUnit* unit : held) unit->compiled = true;
  // gcc appended this compile's rules; the next compile of the request starts a new file.
  std::optional<std::string> sunpro_text;
  if (!miss.injected_depfile.empty()) {
    if (auto text = os::read_file(miss.injected_depfile); text.ok()) sunpro_text = std::move(text).value();
    ::unlink(miss.injected_depfile.c_str());
  }
  if (store.exit_code != 0) {
    // Some sources may have compiled, but which ones (and which stale objects stayed) we cannot
    // tell from one exit code: store none of them.
    p_.stats.compile_failed();
    reply.reason = "compile failed";
    return reply;
  }
  // Each source is stored with its own part of the output, which a later hit replays; when the
  // run's output cannot be split exactly (see unit_output.h), none is stored.
  std::optional<std::vector<std::string>> unit_stderr;
  if (held.size() == 1) {
    unit_stderr = std::vector<std::string>{protocol::strip_unit_markers(store.stderr_data)};
  } else if (store.stdout_data.empty()) {
    std::vector<std::string> sources;
    for (const MissUnit* unit : held) sources.push_back(unit->plan.source);
    unit_stderr = split_unit_stderr(miss.compiler.family, store.stderr_data, sources);
  }
  if (!unit_stderr) {
    for (size_t i = 0; i < held.size(); ++i) p_.stats.passthrough(tools::Passthrough::kSharedDiagnostics);
    reply.reason = std::string(tools::reason_name(tools::Passthrough::kSharedDiagnostics));
    return reply;
  }
  if (!miss.injected_depfile.empty() && !sunpro_text) {
    p_.stats.error();
    reply.reason = "dependency file missing";
    return reply;
  }
  for (size_t i = 0; i < held.size(); ++i) {
    if (stage_unit(miss, *held[i], store, held.size() == 1 ? store.stdout_data : std::string(),
                   std::move((*unit_stderr)[i]), sunpro_text ? &*sunpro_text : nullptr, reply)) {
      reply.stored = true;
    }
  }
  return reply;
}

bool CompileHandler::stage_unit(PendingMiss& miss, MissUnit& unit, const protocol::StoreRequest& store,
                                std::string stdout_data, std::string stderr_data, const std::string* sunpro_text,
                                protocol::StoreReply& reply) {
  const tools::Plan& plan = unit.plan;
  const std::string& cwd = miss.request.cwd;
  StagedResult staged;
  staged.entry.exit_code = 0;
  staged.entry.stdout_data = std::move(stdout_data);
  staged.entry.stderr_data = std::move(stderr_data);
  uint64_t sources = miss.multi ? std::max<size_t>(store.units.size(), 1) : 1;
  staged.entry.compile_time_ns = static_cast<uint64_t>(store.duration_ns) / sources;
  staged.start_time_ns = store.start_time_ns;

  auto copied = copy_outputs(plan, cwd, p_.artifacts, staged.entry);
  if (!copied.ok()) return not_stored(reply, copied.error().message);

  // The include set comes from our injected -MF file, the user's -MD depfile, or gcc's
  // SUNPRO_DEPENDENCIES rule for this object (which leaves out the source itself); record()
  // scans for it otherwise.
  if (sunpro_text) {
    auto rules = tools::parse_dependency_rules(*sunpro_text);
    if (!rules) return not_stored(reply, "unreadable dependency file");
    auto rule = std::find_if(rules->begin(), rules->end(), [&](const tools::DependencyRule& r) {
      return r.targets.size() == 1 && r.targets[0] == plan.object;
    });
    if (rule == rules->end()) return not_stored(reply, "no dependency rule for " + plan.object);
    staged.dep_paths.push_back(plan.source);
    staged.dep_paths.insert(staged.dep_paths.end(), rule->dep_paths.begin(), rule->dep_paths.end());
  } else {
    std::string dep_text;
    if (!miss.injected_depfile.empty()) {
      auto text = os::read_file(miss.injected_depfile);
      if (!text.ok()) return not_stored(reply, text.error().message);
      dep_text = std::move(text).value();
    } else if (plan.depfile.requested && plan.depfile.system_headers) {
      dep_text = staged.entry.depfile_bytes;
    }
    if (!dep_text.empty()) {
      auto deps = tools::parse_depfile(dep_text);
      if (!deps || deps->dep_paths.empty()) return not_stored(reply, "unreadable dependency file");
      staged.dep_paths = std::move(deps->dep_paths);
    }
  }
  const std::vector<std::string>* read_paths = &staged.dep_paths;
  std::optional<tools::Depfile> user_deps;  // -MMD: record() scans, the user's depfile names the project's files
  if (staged.dep_paths.empty() && plan.depfile.requested && !staged.entry.depfile_bytes.empty()) {
    user_deps = tools::parse_depfile(staged.entry.depfile_bytes);
    if (user_deps) read_paths = &user_deps->dep_paths;
    staged.dep_stats.complete = false;
  }
  for (const std::string& path : *read_paths) {
    std::string abs = os::absolute_from(cwd, path);
    if (staged.dep_stats.stats.count(abs)) continue;
    auto info = os::stat_path(abs);
    // A missing one fails at record(): as a dep path it cannot be stat'ed then, and a scan does
    // not list it, or lists a file that is not this (all-zero) stat.
    staged.dep_stats.stats.emplace(std::move(abs), info.ok() ? *info : os::FileInfo{});
  }
  unit.staged = std::move(staged);
  return true;
}

void CompileHandler::record(PendingMiss& miss) {
  if (p_.watcher) p_.watcher->drain();
  std::vector<MissUnit*> staged;
  for (MissUnit& unit : miss.units) {
    if (unit.staged) staged.push_back(&unit);
  }
  for_each_parallel(staged.size(), [&](size_t i) { record_unit(miss, *staged[i]); });
}

void CompileHandler::record_unit(PendingMiss& miss, MissUnit& unit) {
  if (miss.rust) return record_rust(miss, unit);
  if (miss.rustfmt) return record_rustfmt(miss, unit);
  if (miss.tidy) return record_tidy(miss, unit);
  if (miss.link) return record_link(miss, unit);
  if (miss.emcc_link) return record_emcc_link(miss, unit);
  const std::string& cwd = miss.request.cwd;
  StagedResult& staged = *unit.staged;
  if (staged.dep_paths.empty()) {
    auto scanned = scan_dependencies(miss.request.compiler, unit.plan, miss.request.env, cwd, p_.tmp_dir);
    std::optional<tools::Depfile> deps;
    if (scanned.ok()) deps = tools::parse_depfile(*scanned);
    if (!deps || deps->dep_paths.empty()) {
      log::debug("dependency scan failed for " + unit.plan.source);
      p_.stats.error();
      return;
    }
    staged.dep_paths = std::move(deps->dep_paths);
  }
  auto dirs = p_.compilers.search_dirs(miss.request.compiler, miss.compiler, unit.plan, miss.request.env, cwd);
  if (!dirs.ok()) {
    log::debug("search dirs: " + dirs.error().message);
    p_.stats.error();
    return;
  }
  bool allow_time =
      miss.compiler.honors_source_date_epoch && find_env(miss.request.env, "SOURCE_DATE_EPOCH") != nullptr;
  std::set<std::string> written_dirs;
  for (const auto& out : user_outputs(unit.plan)) {
    written_dirs.insert(std::string(os::dirname_of(os::absolute_from(cwd, out))));
  }
  auto built = build_include_set(staged.dep_paths, *dirs, cwd, staged.start_time_ns, allow_time, p_.files,
                                 p_.listings, written_dirs, nullptr,
                                 staged.dep_stats.stats.empty() ? nullptr : &staged.dep_stats);
  if (!built.ok()) {
    log::debug("include set: " + built.error().message);
    p_.stats.error();
    return;
  }
  if (built->refused != tools::Passthrough::kNone) {
    p_.stats.passthrough(built->refused);
    return;
  }
  store::IncludeSet set = std::move(built->set);
  if (!unit.basedir.empty() && !relocate_entry(set, staged.entry, staged.dep_paths, unit.plan, cwd, unit.basedir)) {
    log::debug("not stored: the result of a relocated compile would name " + unit.basedir);
    p_.stats.passthrough(tools::Passthrough::kBasedirUnshareable);
    return;
  }
  set.result_key = result_key(unit.request_key, set.files, set.env);
  store::IncludeSet uploaded = p_.remote ? set : store::IncludeSet{};
  // commit() gets a copy; the memo entry takes `set` itself.
  if (!commit(unit.request_key, set, staged.entry, output_record(miss, unit),
              [&] { remember_stored(miss, unit, std::move(set), staged.entry); })) {
    return;
  }
  upload(miss, unit, std::move(uploaded), staged.entry);
}

std::optional<store::IncludeSet> CompileHandler::file_input_set(std::string_view what,
                                                                 const std::vector<std::string>& paths,
                                                                 const std::string& cwd, int64_t start_time_ns,
                                                                 const std::set<std::string>& written_dirs,
                                                                 const std::map<std::string, hash::Digest>* settled) {
  auto built = build_include_set(paths, SearchDirs{}, cwd, start_time_ns, /*allow_time_macros=*/true, p_.files,
                                 p_.listings, written_dirs, settled);
  if (!built.ok()) {
    log::debug(std::string(what) + " input set: " + built.error().message);
    p_.stats.error();
    return std::nullopt;
  }
  if (built->refused != tools::Passthrough::kNone) {
    p_.stats.passthrough(built->refused);
    return std::nullopt;
  }
  store::IncludeSet set = std::move(built->set);
  set.dirs.clear();
  return set;
}

void CompileHandler::remember_stored(const PendingMiss& miss, const MissUnit& unit, store::IncludeSet set,
                                     const store::ResultEntry& entry) {
  if (!miss.memo_key || miss.multi || !unit.basedir.empty()) return;  // relocated: the lookup renders it
  std::vector<MemoUnit> units(1);
  units[0].plan = unit.plan;
  units[0].source_digest = miss.source_digest;
  units[0].include_set = std::move(set);
  units[0].result = entry;
  auto memo = make_memo_entry(miss.compiler.identity, miss.response_files, std::move(units));
  if (!memo) return;
  (void)memo_inputs_unchanged(*memo, miss.request.cwd);  // takes the snapshot when every input is watched
  memo_.put(*miss.memo_key, std::move(memo));
}

bool CompileHandler::commit(const hash::Digest& request_key, store::IncludeSet set, const store::ResultEntry& entry,
                            std::optional<store::IndexWrite> also, const std::function<void()>& committed) {
  set.result_key = result_key(request_key, set.files, set.env);
  const hash::Digest key = set.result_key;
  // Result and manifest in one transaction: one commit (one fsync) instead of two, which a
  // remote hit pays before it can deliver.
  Status put;
  {
    std::lock_guard lock(manifest_mutex_);
    store::Manifest manifest;
    auto old = p_.index.get(store::Table::kManifests, request_key.raw());
    if (old.ok() && old->has_value()) {
      if (auto decoded = store::decode_manifest(**old)) manifest = std::move(*decoded);
    }
    store::add_include_set(manifest, std::move(set));
    std::vector<store::IndexWrite> writes{
        {store::Table::kResults, std::string(key.raw()), store::encode_result(entry)},
        {store::Table::kManifests, std::string(request_key.raw()), store::encode_manifest(manifest)}};
    if (also) writes.push_back(std::move(*also));
    put = p_.index.write_batch(writes);
  }
  if (!put.ok()) {
    p_.stats.error();
    return false;
  }
  for (const auto& out : entry.outputs) p_.artifacts.unpin(out.blob);  // the index names them now
  p_.usage.stored(key);
  if (committed) committed();
  p_.stats.stored();
  return true;
}

}  // namespace zccache::daemon
