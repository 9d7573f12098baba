// CompileHandler's clang-tidy and include-what-you-use path: begin_tidy(), begin_iwyu(),
// stage_tidy(), record_tidy(). Both are clang frontends that only report.
//
// The cached result is one run's diagnostics: stdout, stderr and exit code, replayed byte for
// byte. clang-tidy writes no file in the runs we cache (tools/clang_tidy/parse.h passes -fix,
// --export-fixes and --store-check-profile through); IWYU never writes one.
//
// Request key: the clang-tidy identity (binary, `--version`, its libclang-cpp/libLLVM), the cwd,
// argv in order (checks, --config, --extra-arg, the compile flags after `--`, the source name),
// the environment variables that change the compile, whether stderr is a terminal (colour), the
// --config-file content, every `.clang-tidy` from the source's directory up to the root (present
// with its content, or absent), and with -p the compilation database clang-tidy loads (the first
// compile_commands.json or compile_flags.txt from the -p directory upwards, as clang-tidy's
// autodetection looks for it). The whole database file is hashed, not only the source's entry:
// clang-tidy infers a command for a file missing from it from the other entries, so any entry can
// matter. The manifest holds the source and every header the run read.
// IWYU's key: its identity (binary and `--version`), the cwd, argv (IWYU options and clang flags),
// the same environment and colour parts, and each --mapping_file's content (a mapping file that
// refers to others passes through).
//
// The header list comes from a second run after the reply (the "scan"): the same binary with the
// user's arguments (for clang-tidy, --checks replaced by one cheap check) plus flags (for
// clang-tidy as `--extra-arg`s) asking the frontend for `-v` (the include search list, on
// stderr) and `-H` into a file (`-Xclang -header-include-file`). clang-tidy strips dependency-file options and `-MD`
// writes nothing under its -fsyntax-only, but `-H` lists every header the preprocessor enters,
// system headers included, whatever pulled it in. The set is complete because it is exactly what
// the tool's own frontend read for this source with these flags, in the directory of the
// database entry; the checks do not change what is preprocessed. Headers skipped by an include
// guard were entered once and are listed then. The search list gives the shadow paths (a header
// created earlier in the search path invalidates the set, include_set.h).
//
// Not stored: runs that crashed (clang-tidy: an exit code other than 0 or 1; IWYU: 128 and up),
// runs with compile errors (`clang-diagnostic-error`, or clang's "error:" under IWYU: a missing
// header is not in the set, so creating it would not invalidate the entry), and runs whose scan
// fails. A run with warnings, or exit code 1 from --warnings-as-errors, is stored: that is what
// a warm run replays.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string_view>

#include "zccache/base/log.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/config_search.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"
#include "zccache/tools/clang_tidy/iwyu.h"
#include "zccache/tools/clang_tidy/parse.h"

namespace zccache::daemon {
namespace {

using tools::Passthrough;
using tools::clang_tidy::IwyuPlan;
using tools::clang_tidy::TidyPlan;

constexpr std::string_view kTidyKeySalt = "zccache-clang-tidy-key-v1";
constexpr std::string_view kIwyuKeySalt = "zccache-iwyu-key-v1";
// The check the scan run enables: clang-tidy refuses to run with none, and this one is cheap.
constexpr std::string_view kScanChecks = "--checks=-*,misc-definitions-in-headers";

// Every `.clang-tidy` from `dir` up to the root, present (with its content) or absent. clang-tidy
// uses the nearest one, and its parents too when it says InheritParentConfig; hashing them all
// covers both and a new file closer to the source.
void hash_tidy_configs(hash::Hasher& h, std::string dir, fscache::MetadataCache& files) {
  h.add("clang-tidy-configs");
  while (true) {
    std::string path = os::join_path(dir, ".clang-tidy");
    auto facts = files.facts(path);
    h.add(path);
    if (facts.ok()) h.add("present").add_digest(facts->digest);
    else h.add("absent");
    if (dir == "/" || dir.empty()) break;
    dir = std::string(os::dirname_of(dir));
  }
}

// The key parts both tools share: identity, cwd, argv, the compile's environment, the colour.
void hash_common(hash::Hasher& h, const protocol::CompileRequest& req, const CompilerInfo& compiler) {
  h.add_digest(compiler.identity).add(req.cwd);
  h.add("args").add_u64(req.args.size());
  for (const auto& a : req.args) h.add(a);
  h.add("env");
  for (const char* name : kKeyEnvVars) {
    const char* value = find_env(req.env, name);
    h.add(name).add(value ? "set" : "unset").add(value ? value : "");
  }
  const char* term = find_env(req.env, "TERM");  // colour defaults follow the terminal
  h.add("tty").add_u64(req.stderr_is_tty ? 1 : 0).add(term ? term : "");
}

std::string_view next_line(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  return line;
}

// The compile's working directory from the `-v` echo of the frontend command
// ("-fdebug-compilation-dir=DIR"): the database entry's directory under -p.
std::string compilation_dir(std::string_view verbose) {
  constexpr std::string_view kFlag = "\"-fdebug-compilation-dir=";
  size_t at = verbose.find(kFlag);
  if (at == std::string_view::npos) return {};
  size_t begin = at + kFlag.size();
  size_t end = verbose.find('"', begin);
  if (end == std::string_view::npos) return {};
  return std::string(verbose.substr(begin, end - begin));
}

}  // namespace

std::unique_ptr<PendingMiss> CompileHandler::begin_tidy(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                        protocol::CompileReply& reply, CompileEvent* event) {
  TidyPlan plan = tools::clang_tidy::make_plan(req.args);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  std::string source = os::absolute_from(req.cwd, plan.source);
  if (!p_.files.facts(source).ok()) {
    passthrough(Passthrough::kMissingSource, reply);
    return nullptr;
  }
  hash::Hasher h;
  h.add(kTidyKeySalt);
  hash_common(h, req, compiler);
  if (!plan.config_file.empty()) {
    auto facts = p_.files.facts(os::absolute_from(req.cwd, plan.config_file));
    h.add("config-file");
    if (facts.ok()) h.add_digest(facts->digest);
    else h.add("missing");
  }
  // clang-tidy looks up configuration from the source's absolute path with dots removed lexically.
  std::string lexical = std::filesystem::path(source).lexically_normal().string();
  hash_tidy_configs(h, std::string(os::dirname_of(lexical)), p_.files);
  if (!plan.build_path.empty()) {
    h.add("database");
    hash_config_search(h, os::absolute_from(req.cwd, plan.build_path), {"compile_commands.json", "compile_flags.txt"},
                       true, p_.files);
  }

  auto scan = std::make_unique<TidyMiss>();
  scan->source = plan.source;
  scan->scan_head.push_back(req.compiler);
  scan->scan_head.insert(scan->scan_head.end(), plan.scan_options.begin(), plan.scan_options.end());
  scan->scan_head.emplace_back(kScanChecks);
  scan->scan_tail.push_back(plan.source);
  if (plan.fixed_flags) {
    scan->scan_tail.emplace_back("--");
    scan->scan_tail.insert(scan->scan_tail.end(), plan.compile_flags.begin(), plan.compile_flags.end());
  }
  scan->extra_prefix = "--extra-arg=";
  return lookup_tidy(req, std::move(compiler), h.finish(), tools::Family::kClangTidy, std::move(scan), reply, event);
}

std::unique_ptr<PendingMiss> CompileHandler::begin_iwyu(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                        protocol::CompileReply& reply, CompileEvent* event) {
  IwyuPlan plan = tools::clang_tidy::make_iwyu_plan(req.args, req.cwd, req.env);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  if (!p_.files.facts(os::absolute_from(req.cwd, plan.source)).ok()) {
    passthrough(Passthrough::kMissingSource, reply);
    return nullptr;
  }
  hash::Hasher h;
  h.add(kIwyuKeySalt);
  hash_common(h, req, compiler);
  for (const auto& m : plan.mapping_files) {
    // A mapping file may pull in others (`ref:`), found on IWYU's search path: not followed, so
    // such a run passes through; so does one named relative to anything but the cwd.
    std::string path = os::absolute_from(req.cwd, m);
    auto facts = p_.files.facts(path);
    auto text = facts.ok() ? os::read_file(path) : Result<std::string>(facts.error());
    if (!text.ok() || text->find("ref") != std::string::npos) {
      passthrough(Passthrough::kUnsupportedOption, reply);
      return nullptr;
    }
    h.add("mapping").add(path).add_digest(facts->digest);
  }
  auto scan = std::make_unique<TidyMiss>();
  scan->iwyu = true;
  scan->source = plan.source;
  scan->scan_head.push_back(req.compiler);
  scan->scan_head.insert(scan->scan_head.end(), req.args.begin(), req.args.end());
  return lookup_tidy(req, std::move(compiler), h.finish(), tools::Family::kIwyu, std::move(scan), reply, event);
}

std::unique_ptr<PendingMiss> CompileHandler::lookup_tidy(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                         const hash::Digest& key, tools::Family family,
                                                         std::unique_ptr<TidyMiss> scan, protocol::CompileReply& reply,
                                                         CompileEvent* event) {
  tools::Plan journal;
  journal.family = family;
  journal.args = req.args;
  journal.source = scan->source;
  MemoUnit found;
  auto deliver = [](const store::ResultEntry&) -> Result<bool> { return true; };  // output only
  if (lookup(req, key, deliver, reply, &found)) {
    if (event) event->note_hit(0, false, journal, found.result);
    return nullptr;
  }
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  miss->units.push_back(MissUnit{.plan = std::move(journal), .request_key = key});
  miss->tidy = std::move(scan);
  miss->request = req;
  miss->compiler = std::move(compiler);
  return miss;
}

bool CompileHandler::stage_tidy(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply) {
  // clang-tidy: 0 clean or warnings, 1 errors (--warnings-as-errors, compile errors); anything
  // else is a crash or a usage error. IWYU: its own codes (0, or --error's value when it has
  // suggestions, ...) kept as they are; 128 and up is a signal.
  bool ok = miss.tidy->iwyu ? store.exit_code >= 0 && store.exit_code < 128 : store.exit_code == 0 || store.exit_code == 1;
  if (!ok) {
    p_.stats.compile_failed();
    reply.reason = "clang-tidy failed";
    return false;
  }
  StagedResult staged = staged_from(store);
  miss.units[0].staged = std::move(staged);
  return true;
}

void CompileHandler::record_tidy(PendingMiss& miss, MissUnit& unit) {
  const store::ResultEntry& entry = unit.staged->entry;
  const TidyMiss& scan = *miss.tidy;
  bool compile_errors =
      scan.iwyu ? entry.stderr_data.find(": error: ") != std::string::npos ||
                      entry.stderr_data.find(": fatal error: ") != std::string::npos
                : entry.stdout_data.find("[clang-diagnostic-error]") != std::string::npos ||
                      entry.stderr_data.find("Error while processing") != std::string::npos;
  if (compile_errors) {
    log::debug("clang-tidy/iwyu: compile errors; not stored");
    p_.stats.compile_failed();
    return;
  }
  std::string headers_file = p_.tmp_dir + "/tidy-headers-" + std::to_string(::getpid()) + "-" +
                             std::to_string(next_token_.fetch_add(1)) + ".txt";
  ::unlink(headers_file.c_str());  // the frontend appends to it
  std::vector<std::string> argv = scan.scan_head;
  for (std::string extra : {std::string("-v"), std::string("-H"), std::string("-Xclang"),
                            std::string("-header-include-file"), std::string("-Xclang"), headers_file}) {
    argv.push_back(scan.extra_prefix + extra);
  }
  argv.insert(argv.end(), scan.scan_tail.begin(), scan.scan_tail.end());
  auto out = os::run_capture(argv, &miss.request.env, miss.request.cwd);
  auto headers = os::read_file(headers_file);
  ::unlink(headers_file.c_str());
  if (!out.ok() || out->exit_code >= 128 || !headers.ok()) {
    log::debug("clang-tidy: include scan failed; not stored");
    p_.stats.error();
    return;
  }
  std::string dir = compilation_dir(out->stderr_data);
  if (dir.empty()) {
    log::debug("clang-tidy: no compilation directory in the scan's output; not stored");
    p_.stats.error();
    return;
  }
  dir = os::absolute_from(miss.request.cwd, dir);
  std::vector<std::string> dep_paths{os::absolute_from(miss.request.cwd, scan.source)};
  std::set<std::string> seen;  // -H lists a header again for each entry (no include guard)
  std::string_view text(*headers);
  while (!text.empty()) {
    std::string_view line = next_line(text);
    if (line.empty()) continue;
    std::string path = os::absolute_from(dir, line);
    if (seen.insert(path).second) dep_paths.push_back(std::move(path));
  }
  SearchDirs dirs = parse_search_dirs(out->stderr_data);
  for (auto* list : {&dirs.quote, &dirs.angle}) {
    for (auto& d : *list) d = os::absolute_from(dir, d);
  }
  auto built = build_include_set(dep_paths, dirs, miss.request.cwd, unit.staged->start_time_ns,
                                 /*allow_time_macros=*/true, p_.files, p_.listings);
  if (!built.ok() || built->refused != Passthrough::kNone) {
    if (built.ok()) p_.stats.passthrough(built->refused);
    else p_.stats.error();
    return;
  }
  (void)commit(unit.request_key, std::move(built->set), entry);
}

}  // namespace zccache::daemon
