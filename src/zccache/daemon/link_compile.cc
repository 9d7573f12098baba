// CompileHandler's link and archive paths: begin_link(), begin_ar(), stage_link(), record_link().
//
// Driver links (`gcc -o prog a.o -L dir -lfoo`, after the gcc/clang parser said kLinking):
// - request key: the driver's identity, the linker binary the driver runs (`-print-prog-name=ld`,
//   or ld.lld/ld.gold/ld.bfd for -fuse-ld=, resolved in the request's PATH as the driver does; by
//   content, with the shared libraries it loads), the cwd, the arguments (response files
//   expanded) and the environment variables that change the output or the search (LIBRARY_PATH,
//   LD_RUN_PATH, LD_LIBRARY_PATH, ...). Links that name a search environment we do not model
//   (GCC_EXEC_PREFIX, COMPILER_PATH) pass through.
// - manifest: every file the linker read, from the linker itself: the miss adds
//   -Wl,--dependency-file=<tmp> (GNU ld >= 2.35, lld), which lists objects, archives, shared
//   libraries, linker scripts (libc.so), crt files and the default libraries. Plus the search:
//   for each library the linker took from a search directory (lib<name>.so / lib<name>.a), the
//   absence of lib<name>.so and lib<name>.a in every directory searched before it (-L in order,
//   LIBRARY_PATH, then the driver's `-print-search-dirs` list), and of lib<name>.so beside a
//   chosen .a; a library in a directory we cannot place in that list counts as found after every
//   -L directory. A new libfoo.so in an earlier -L directory therefore makes the entry stale.
// - outputs: the -o file, stored with whether it was executable; delivered with 0777 or 0666
//   masked by the client's umask, as the linker creates it; and the -Map file, when asked for.
// - determinism: the first miss of a key is linked again and compared before anything is stored
//   (link_verify.h).
//
// ar (`ar rcs lib.a a.o b.o`, deterministic mode only; tools/link/parse.h): the key covers ar's
// identity (BFD plugins included), the arguments, the cwd and the archive's previous content
// (r and q add to an existing archive); the manifest holds the members by content.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "zccache/base/log.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/link_support.h"
#include "zccache/daemon/link_verify.h"
#include "zccache/daemon/search_absences.h"
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/recording_file_reader.h"
#include "zccache/daemon/reproduce_inputs.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"
#include "zccache/tools/depfile.h"
#include "zccache/tools/link/parse.h"
#include "zccache/tools/response_file.h"

namespace zccache::daemon {
namespace {

using tools::Passthrough;
using namespace link_support;

constexpr std::string_view kLinkSalt = "zccache-link-key-v2";
constexpr std::string_view kArSalt = "zccache-ar-key-v1";

std::string first_line(std::string text) {
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// The driver's own library directories (`-print-search-dirs`), memoized per driver identity:
// fixed by the installation.
Result<std::vector<std::string>> driver_library_dirs(const std::string& driver, const hash::Digest& identity) {
  static std::mutex mutex;
  static std::map<hash::Digest, std::vector<std::string>> memo;  // GUARDED_BY(mutex)
  {
    std::lock_guard lock(mutex);
    auto it = memo.find(identity);
    if (it != memo.end()) return it->second;
  }
  static const std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  auto dirs = os::run_capture({driver, "-print-search-dirs"}, &env);
  if (!dirs.ok()) return dirs.error();
  std::string_view text = dirs->stdout_data;
  constexpr std::string_view kPrefix = "libraries: =";
  size_t at = text.find(kPrefix);
  if (dirs->exit_code != 0 || at == std::string_view::npos) return make_error(ErrorCode::kIo, "no library search dirs");
  std::vector<std::string> out;
  std::string_view list = text.substr(at + kPrefix.size());
  list = list.substr(0, list.find('\n'));
  while (!list.empty()) {
    size_t colon = list.find(':');
    std::string_view dir = list.substr(0, colon);
    if (!dir.empty()) out.push_back(normal_dir("/", dir));
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  std::lock_guard lock(mutex);
  memo[identity] = out;
  return out;
}

// What `driver -print-prog-name=<name>` prints: the program the driver runs under that name, found
// in its own program directories (absolute), else the bare name that exec then finds in PATH.
// clang searches PATH itself last, so the probe runs with the request's PATH; memoized per
// (driver identity, name, PATH).
Result<std::string> driver_program(const std::string& driver, const hash::Digest& identity, const std::string& name,
                                   const std::vector<std::string>& req_env) {
  static std::mutex mutex;
  static std::map<hash::Digest, std::string> memo;  // GUARDED_BY(mutex)
  const char* path = find_env(req_env, "PATH");
  hash::Hasher h;
  h.add_digest(identity).add(name).add(path ? path : "");
  hash::Digest key = h.finish();
  {
    std::lock_guard lock(mutex);
    auto it = memo.find(key);
    if (it != memo.end()) return it->second;
  }
  std::vector<std::string> env{std::string("PATH=") + (path ? path : "/usr/bin:/bin"), "LC_ALL=C"};
  auto out = os::run_capture({driver, "-print-prog-name=" + name}, &env);
  if (!out.ok()) return out.error();
  std::string program = first_line(out->stdout_data);
  if (out->exit_code != 0 || program.empty()) return make_error(ErrorCode::kIo, "driver does not name its " + name);
  std::lock_guard lock(mutex);
  memo[key] = program;
  return program;
}

// The linker a driver link runs, resolved as the driver does, or empty when we cannot tell.
// gcc's collect2 prefers a `real-ld` or `collect-ld` in its own directories to any other linker:
// when one exists, the link is not one we model.
std::string driver_linker(const std::string& driver, const CompilerInfo& compiler, const std::string& name,
                          const std::vector<std::string>& env) {
  if (compiler.family == tools::Family::kGcc) {
    for (const char* wrapper : {"real-ld", "collect-ld"}) {
      auto found = driver_program(driver, compiler.identity, wrapper, env);
      if (!found.ok() || found->find('/') != std::string::npos) return {};
    }
  }
  auto program = driver_program(driver, compiler.identity, name, env);
  if (!program.ok()) {
    log::debug("link: " + program.error().message);
    return {};
  }
  return resolve_program(*program, env);
}

}  // namespace

std::unique_ptr<PendingMiss> CompileHandler::begin_link(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                        protocol::CompileReply& reply, CompileEvent* event) {
  if (unmodelled_env(req.env)) {
    passthrough(Passthrough::kLinkUnsupported, reply);
    return nullptr;
  }
  RecordingFileReader reader;
  auto args = tools::expand_response_files(req.args, req.cwd, reader, compiler.family);
  if (!args) {
    passthrough(Passthrough::kResponseFile, reply);
    return nullptr;
  }
  tools::link::LinkPlan plan = tools::link::make_link_plan(*args);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  auto link = new_link_miss(plan, req.cwd);
  if (!link) {
    passthrough(Passthrough::kOutputNotRegular, reply);
    return nullptr;
  }
  auto library_dirs = driver_library_dirs(req.compiler, compiler.identity);
  std::string linker = library_dirs.ok() ? driver_linker(req.compiler, compiler, plan.linker, req.env) : std::string();
  auto linker_id = linker.empty() ? Result<hash::Digest>(make_error(ErrorCode::kNotFound, "no linker"))
                                  : linker_identity(linker, p_.files);
  if (!linker_id.ok()) {
    log::debug("link: linker " + plan.linker + " not identified: " + linker_id.error().message);
    passthrough(Passthrough::kLinkUnsupported, reply);
    return nullptr;
  }
  hash::Hasher h;
  h.add(kLinkSalt).add_digest(compiler.identity).add(linker).add_digest(*linker_id);
  hash_link_request(h, req.cwd, *args, req.env);
  hash::Digest key = h.finish();

  link->inputs = LinkMiss::Inputs::kDriverDepfile;
  for (const auto& d : plan.lib_dirs) link->search_dirs.push_back(normal_dir(req.cwd, d));
  link->user_dirs = link->search_dirs.size();
  // LIBRARY_PATH: searched after -L and before the driver's own directories (gcc and clang).
  if (const char* library_path = find_env(req.env, "LIBRARY_PATH")) {
    std::string_view list = library_path;
    while (true) {
      size_t colon = list.find(':');
      std::string_view dir = list.substr(0, colon);
      if (!dir.empty()) link->search_dirs.push_back(normal_dir(req.cwd, dir));
      if (colon == std::string_view::npos) break;
      list.remove_prefix(colon + 1);
    }
  }
  for (const auto& d : *library_dirs) link->search_dirs.push_back(d);
  link->args = std::move(*args);
  link->plan = std::move(plan);
  return lookup_link(req, std::move(compiler), key, std::move(link), reply, event);
}

bool CompileHandler::link_answered(const protocol::CompileRequest& req, const hash::Digest& key,
                                  const tools::Plan& journal, const Deliver& deliver, protocol::CompileReply& reply,
                                  CompileEvent* event) {
  MemoUnit found;
  if (lookup(req, key, deliver, reply, &found)) {
    if (event) {
      event->note_hit(0, false, journal, found.result);
      event->link = true;
    }
    return true;
  }
  if (link_verdicts_.nondeterministic(key)) {
    passthrough(Passthrough::kLinkNondeterministic, reply);
    return true;
  }
  return false;
}

std::unique_ptr<PendingMiss> CompileHandler::lookup_link(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                         const hash::Digest& key, std::unique_ptr<LinkMiss> link,
                                                         protocol::CompileReply& reply, CompileEvent* event) {
  tools::Plan journal = journal_plan(compiler.family, req.args, link->plan.inputs[0], link->plan.output);
  auto deliver = [&](const store::ResultEntry& result) {
    return deliver_link(result, link->output, link->map, req.umask, p_.artifacts);
  };
  if (link_answered(req, key, journal, deliver, reply, event)) return nullptr;
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  unshare_output(link->output);
  if (!link->map.empty()) unshare_output(link->map);  // ld rewrites a map in place
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  // The linker writes the file into ZCCACHE_DIR/tmp: when that cannot be created, asking for it
  // would fail the link, so the link runs without it and is not stored. lld names the root
  // directory of a --reproduce archive after the file's stem.
  const bool tar = link->inputs == LinkMiss::Inputs::kReproduceTar;
  std::string name = p_.tmp_dir + "/link" + (tar ? "repro-" : "dep-") + std::to_string(::getpid()) + "-" +
                     std::to_string(reply.miss_token) + (tar ? ".tar" : ".d");
  int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    miss->injected_depfile = name;
    switch (link->inputs) {
      case LinkMiss::Inputs::kDriverDepfile:
        reply.extra_args = {"-Wl,--dependency-file=" + name};
        break;
      case LinkMiss::Inputs::kLinkerDepfile:
        reply.extra_args = {"--dependency-file=" + name};
        break;
      case LinkMiss::Inputs::kReproduceTar:
        reply.extra_args = {"--reproduce=" + name};
        break;
    }
  }
  miss->units.push_back(MissUnit{.plan = std::move(journal), .request_key = key});
  miss->link = std::move(link);
  miss->request = req;
  miss->compiler = std::move(compiler);
  return miss;
}

std::unique_ptr<PendingMiss> CompileHandler::begin_ar(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                      protocol::CompileReply& reply, CompileEvent* event) {
  tools::link::ArPlan plan = tools::link::make_ar_plan(req.args, compiler.deterministic_default);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  std::string archive = os::absolute_from(req.cwd, plan.archive);
  auto info = os::lstat_path(archive);
  if (info.ok() && !info->is_regular()) {
    passthrough(Passthrough::kOutputNotRegular, reply);
    return nullptr;
  }
  hash::Hasher h;
  h.add(kArSalt).add_digest(compiler.identity).add(req.cwd);
  h.add("args").add_u64(req.args.size());
  for (const auto& a : req.args) h.add(a);
  // r and q add to the archive that is there: its previous content is an input.
  if (info.ok()) {
    auto prior = p_.files.facts(archive);
    if (!prior.ok()) {
      passthrough(Passthrough::kMissingSource, reply);
      return nullptr;
    }
    h.add("prior").add_digest(prior->digest);
  } else {
    h.add("no-prior");
  }
  hash::Digest key = h.finish();

  tools::Plan journal = journal_plan(compiler.family, req.args, plan.members[0], plan.archive);
  auto deliver = [&](const store::ResultEntry& result) {
    return deliver_link(result, archive, std::string(), req.umask, p_.artifacts);
  };
  // Archives are never verified (deterministic `D` only), so no key of theirs is ever refused.
  if (link_answered(req, key, journal, deliver, reply, event)) return nullptr;
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  unshare_output(archive);
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  miss->units.push_back(MissUnit{.plan = std::move(journal), .request_key = key});
  miss->link = std::make_unique<LinkMiss>();
  miss->link->archive = true;
  miss->link->output = archive;
  miss->link->members = std::move(plan.members);
  miss->request = req;
  miss->compiler = std::move(compiler);
  return miss;
}

bool CompileHandler::stage_link(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply) {
  MissUnit& unit = miss.units[0];
  StagedResult staged = staged_from(store);
  const LinkMiss& link = *miss.link;
  auto info = os::lstat_path(link.output);
  if (!info.ok() || !info->is_regular()) {
    return not_stored(reply, "output missing or not a regular file: " + link.output);
  }
  uint64_t size = 0;
  auto blob = p_.artifacts.put_file(link.output, &size);
  if (!blob.ok()) return not_stored(reply, blob.error().message);
  std::string role((info->mode & 0111) != 0 ? kLinkRoleExecutable : kLinkRolePlain);
  staged.entry.outputs.push_back({role, *blob, size});
  if (!link.map.empty()) {
    auto map_info = os::lstat_path(link.map);
    if (!map_info.ok() || !map_info->is_regular()) {
      return not_stored(reply, "map missing or not a regular file: " + link.map);
    }
    auto map_blob = p_.artifacts.put_file(link.map, &size);
    if (!map_blob.ok()) return not_stored(reply, map_blob.error().message);
    staged.entry.outputs.push_back({std::string(kLinkRoleMap), *map_blob, size});
  }
  if (link.archive) {
    staged.dep_paths = link.members;
  } else if (miss.injected_depfile.empty()) {
    return not_stored(reply, "no dependency file could be asked for");
  } else if (link.inputs == LinkMiss::Inputs::kReproduceTar) {
    auto read = reproduce_inputs(miss.injected_depfile);
    if (!read.ok()) return not_stored(reply, "linker's reproduce archive: " + read.error().message);
    // Every input named on the command line must be in the linker's own list (lld leaves out a
    // file whose archive name collides with response.txt or version.txt).
    std::set<std::string> listed(read->files.begin(), read->files.end());
    for (const auto& input : link.plan.inputs) {
      std::string abs = normal_dir(miss.request.cwd, input);
      if (!listed.count(abs)) return not_stored(reply, "input missing from the linker's list: " + abs);
    }
    staged.dep_paths = std::move(read->files);
  } else {
    auto text = os::read_file(miss.injected_depfile);
    if (!text.ok()) return not_stored(reply, "linker wrote no dependency file: " + text.error().message);
    auto deps = tools::parse_depfile(*text);
    if (!deps || deps->dep_paths.empty()) return not_stored(reply, "unreadable linker dependency file");
    staged.dep_paths = std::move(deps->dep_paths);
  }
  unit.staged = std::move(staged);
  return true;
}

void CompileHandler::record_link(PendingMiss& miss, MissUnit& unit) {
  StagedResult& staged = *unit.staged;
  const LinkMiss& link = *miss.link;
  const std::string& cwd = miss.request.cwd;
  std::set<std::string> written_dirs{std::string(os::dirname_of(link.output))};
  if (!link.map.empty()) written_dirs.insert(std::string(os::dirname_of(link.map)));
  // Object files and libraries are not scanned for __DATE__: they hold no source text.
  auto built = file_input_set("link", staged.dep_paths, cwd, staged.start_time_ns, written_dirs);
  if (!built) return;
  store::IncludeSet set = std::move(*built);
  if (!link.archive) {
    std::map<std::string, std::set<std::string>> shadows;
    for (const auto& file : set.files) {
      std::string abs = std::filesystem::path(os::absolute_from(cwd, file.path)).lexically_normal().string();
      add_library_shadows(abs, link.search_dirs, link.user_dirs, shadows);
    }
    add_search_absences(shadows, p_.listings, set.dirs);
  }
  if (!link.archive && !link_verified(miss, unit, set)) return;
  (void)commit(unit.request_key, std::move(set), staged.entry);
}

bool CompileHandler::link_verified(PendingMiss& miss, MissUnit& unit, const store::IncludeSet& set) {
  // A manifest for the key means an earlier miss of it was verified (nothing is stored otherwise).
  auto manifest = p_.index.get(store::Table::kManifests, unit.request_key.raw());
  if (manifest.ok() && manifest->has_value()) return true;
  const LinkMiss& link = *miss.link;
  Relink relink{miss.request.compiler, link.args, link.plan, miss.request.env, miss.request.cwd};
  RelinkVerdict verdict = relink_and_compare(relink, unit.staged->entry, p_.tmp_dir, p_.artifacts);
  // The inputs must be the ones both runs read: an input changed meanwhile says nothing.
  if (p_.watcher) p_.watcher->drain();
  if (!include_set_matches(set, miss.request.cwd, p_.files, p_.listings)) {
    log::debug("link verification inconclusive: an input changed");
    p_.stats.passthrough(Passthrough::kTooNew);
    return false;
  }
  switch (verdict) {
    case RelinkVerdict::kSame:
      p_.stats.link_verified(true);
      return true;
    case RelinkVerdict::kDifferent:
      log::debug("link of " + link.plan.output + " is not deterministic: passed through from now on");
      p_.stats.link_verified(false);
      link_verdicts_.mark_nondeterministic(unit.request_key);
      return false;
    case RelinkVerdict::kFailed:
      p_.stats.error();
      return false;
  }
  return false;
}

}  // namespace zccache::daemon
