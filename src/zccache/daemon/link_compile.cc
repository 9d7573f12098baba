// CompileHandler's link and archive paths: begin_link(), begin_ar(), stage_link(), record_link().
//
// Driver links (`gcc -o prog a.o -L dir -lfoo`, after the gcc/clang parser said kLinking):
// - request key: the driver's identity, the linker binary the driver runs (`-print-prog-name=ld`,
//   by content), the cwd, the arguments (response files expanded) and the environment variables
//   that change the output or the search (LIBRARY_PATH, LD_RUN_PATH, LD_LIBRARY_PATH, ...). Links
//   that name a search environment we do not model (GCC_EXEC_PREFIX, COMPILER_PATH) pass through.
// - manifest: every file the linker read, from the linker itself: the miss adds
//   -Wl,--dependency-file=<tmp> (GNU ld >= 2.35, lld), which lists objects, archives, shared
//   libraries, linker scripts (libc.so), crt files and the default libraries. Plus the search:
//   for each library the linker took from a search directory (lib<name>.so / lib<name>.a), the
//   absence of lib<name>.so and lib<name>.a in every directory searched before it (-L in order,
//   LIBRARY_PATH, then the driver's `-print-search-dirs` list), and of lib<name>.so beside a chosen .a; a library
//   in a directory we cannot place in that list counts as found after every -L directory. A new
//   libfoo.so in an earlier -L directory therefore makes the entry stale.
// - output: the -o file, stored with whether it was executable; delivered with 0777 or 0666
//   masked by the client's umask, as the linker creates it.
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
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/program_path.h"
#include "zccache/daemon/recording_file_reader.h"
#include "zccache/daemon/request_key.h"
#include "zccache/daemon/search_absences.h"
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

constexpr std::string_view kLinkSalt = "zccache-link-key-v1";
constexpr std::string_view kArSalt = "zccache-ar-key-v1";
// Roles of the one output: whether the tool made it executable.
constexpr std::string_view kRoleExecutable = "output+x";
constexpr std::string_view kRolePlain = "output";

// Variables that change what the driver or the linker does: searched dirs, run paths, messages.
constexpr std::string_view kKeyEnv[] = {"LIBRARY_PATH", "LD_RUN_PATH", "LD_LIBRARY_PATH", "SOURCE_DATE_EPOCH", "LANG",
                                        "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "GCC_COMPARE_DEBUG"};
// Variables that add search paths or programs we do not model.
constexpr std::string_view kUnmodelledEnv[] = {"GCC_EXEC_PREFIX", "COMPILER_PATH",
                                               "DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES"};

std::string normal_dir(const std::string& cwd, std::string_view dir) {
  std::string s = std::filesystem::path(os::absolute_from(cwd, dir)).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

const std::vector<std::string>& probe_env() {
  static const std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  return env;
}

std::string first_line(std::string text) {
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// What the driver tells about its link: the linker it runs and its own library directories.
// Memoized per driver identity (both are fixed by the installation).
struct DriverLinkFacts {
  std::string linker;                     // as printed: absolute, or a name searched in PATH
  std::vector<std::string> library_dirs;  // normal, in order
};

Result<DriverLinkFacts> driver_link_facts(const std::string& driver, const hash::Digest& identity) {
  static std::mutex mutex;
  static std::map<hash::Digest, DriverLinkFacts> memo;  // GUARDED_BY(mutex)
  {
    std::lock_guard lock(mutex);
    auto it = memo.find(identity);
    if (it != memo.end()) return it->second;
  }
  DriverLinkFacts facts;
  auto ld = os::run_capture({driver, "-print-prog-name=ld"}, &probe_env());
  if (!ld.ok()) return ld.error();
  facts.linker = first_line(ld->stdout_data);
  auto dirs = os::run_capture({driver, "-print-search-dirs"}, &probe_env());
  if (!dirs.ok()) return dirs.error();
  if (facts.linker.empty() || ld->exit_code != 0 || dirs->exit_code != 0)
    return make_error(ErrorCode::kIo, "driver does not print its linker or search dirs");
  std::string_view text = dirs->stdout_data;
  constexpr std::string_view kPrefix = "libraries: =";
  size_t at = text.find(kPrefix);
  if (at == std::string_view::npos) return make_error(ErrorCode::kIo, "no library search dirs");
  std::string_view list = text.substr(at + kPrefix.size());
  list = list.substr(0, list.find('\n'));
  while (!list.empty()) {
    size_t colon = list.find(':');
    std::string_view dir = list.substr(0, colon);
    if (!dir.empty()) facts.library_dirs.push_back(normal_dir("/", dir));
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  std::lock_guard lock(mutex);
  memo[identity] = facts;
  return facts;
}

Result<bool> deliver_output(const store::ResultEntry& entry, const std::string& abs_output, uint32_t umask,
                            store::ArtifactStore& artifacts) {
  if (entry.outputs.size() != 1) return make_error(ErrorCode::kCorrupt, "link result without one output");
  const store::StoredOutput& out = entry.outputs[0];
  mode_t mode = (out.role == kRoleExecutable ? 0777 : 0666) & ~static_cast<mode_t>(umask);
  if (!writable_output(abs_output)) return false;
  ZCCACHE_TRY(artifacts.deliver(out.blob, abs_output, mode));
  return true;
}

tools::Plan journal_plan(tools::Family family, const std::vector<std::string>& args, const std::string& first_input,
                         const std::string& output) {
  tools::Plan plan;
  plan.family = family;
  plan.args = args;
  plan.source = first_input;
  plan.object = output;
  return plan;
}

// Shadow names for a library the linker took from `dir` (see the file comment). search: the
// linker's directory order; user_dirs: how many of them came from -L.
void add_library_shadows(const std::string& abs_path, const std::vector<std::string>& search, size_t user_dirs,
                         std::map<std::string, std::set<std::string>>& shadows) {
  std::string_view name = os::basename_of(abs_path);
  if (name.substr(0, 3) != "lib") return;
  std::string stem;
  bool is_archive = false;
  if (name.size() > 3 && name.substr(name.size() - 3) == ".so") {
    stem = std::string(name.substr(0, name.size() - 3));
  } else if (name.size() > 2 && name.substr(name.size() - 2) == ".a") {
    stem = std::string(name.substr(0, name.size() - 2));
    is_archive = true;
  } else {
    return;
  }
  std::string dir(os::dirname_of(abs_path));
  auto found = std::find(search.begin(), search.end(), dir);
  size_t index = found == search.end() ? user_dirs : static_cast<size_t>(found - search.begin());
  for (size_t j = 0; j < index && j < search.size(); ++j) {
    shadows[search[j]].insert(stem + ".so");
    shadows[search[j]].insert(stem + ".a");
  }
  if (is_archive && found != search.end()) shadows[dir].insert(stem + ".so");
}

}  // namespace

std::unique_ptr<PendingMiss> CompileHandler::begin_link(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                        protocol::CompileReply& reply, CompileEvent* event) {
  for (std::string_view name : kUnmodelledEnv) {
    if (find_env(req.env, name)) {
      passthrough(Passthrough::kLinkUnsupported, reply);
      return nullptr;
    }
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
  std::string output = os::absolute_from(req.cwd, plan.output);
  if (!writable_output(output)) {
    passthrough(Passthrough::kOutputNotRegular, reply);
    return nullptr;
  }
  auto facts = driver_link_facts(req.compiler, compiler.identity);
  std::string linker = facts.ok() ? resolve_program(facts->linker, req.env) : std::string();
  auto linker_file = linker.empty() ? Result<fscache::FileFacts>(make_error(ErrorCode::kNotFound, "no linker"))
                                    : p_.files.facts(linker);
  if (!linker_file.ok()) {
    log::debug("link: linker not found: " + (facts.ok() ? facts->linker : facts.error().message));
    passthrough(Passthrough::kLinkUnsupported, reply);
    return nullptr;
  }
  hash::Hasher h;
  h.add(kLinkSalt).add_digest(compiler.identity).add(linker).add_digest(linker_file->digest).add(req.cwd);
  h.add("args").add_u64(args->size());
  for (const auto& a : *args) h.add(a);
  h.add("env");
  for (std::string_view name : kKeyEnv) {
    const char* v = find_env(req.env, name);
    h.add(name).add(v ? "1" : "0").add(v ? v : "");
  }
  hash::Digest key = h.finish();

  tools::Plan journal = journal_plan(compiler.family, req.args, plan.inputs[0], plan.output);
  auto deliver = [&](const store::ResultEntry& result) {
    return deliver_output(result, output, req.umask, p_.artifacts);
  };
  MemoUnit found;
  if (lookup(req, key, deliver, reply, &found)) {
    if (event) {
      event->note_hit(0, false, journal, found.result);
      event->link = true;
    }
    return nullptr;
  }
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  unshare_output(output);
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  // The linker writes the file into ZCCACHE_DIR/tmp: when that cannot be created, asking for it
  // would fail the link, so the link runs without it and is not stored.
  std::string dep_name =
      p_.tmp_dir + "/linkdep-" + std::to_string(::getpid()) + "-" + std::to_string(reply.miss_token) + ".d";
  int fd = ::open(dep_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    miss->injected_depfile = dep_name;
    reply.extra_args = {"-Wl,--dependency-file=" + dep_name};
  }
  miss->units.push_back(MissUnit{std::move(journal), key, 0, false, std::nullopt, {}});
  miss->link = std::make_unique<LinkMiss>();
  miss->link->output = output;
  for (const auto& d : plan.lib_dirs) miss->link->search_dirs.push_back(normal_dir(req.cwd, d));
  miss->link->user_dirs = miss->link->search_dirs.size();
  // LIBRARY_PATH: searched after -L and before the driver's own directories (gcc and clang).
  if (const char* library_path = find_env(req.env, "LIBRARY_PATH")) {
    std::string_view list = library_path;
    while (true) {
      size_t colon = list.find(':');
      std::string_view dir = list.substr(0, colon);
      if (!dir.empty()) miss->link->search_dirs.push_back(normal_dir(req.cwd, dir));
      if (colon == std::string_view::npos) break;
      list.remove_prefix(colon + 1);
    }
  }
  for (const auto& d : facts->library_dirs) miss->link->search_dirs.push_back(d);
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
    return deliver_output(result, archive, req.umask, p_.artifacts);
  };
  MemoUnit found;
  if (lookup(req, key, deliver, reply, &found)) {
    if (event) {
      event->note_hit(0, false, journal, found.result);
      event->link = true;
    }
    return nullptr;
  }
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  unshare_output(archive);
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  miss->units.push_back(MissUnit{std::move(journal), key, 0, false, std::nullopt, {}});
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
  auto fail = [&](const std::string& why) {
    log::debug("not stored: " + why);
    p_.stats.error();
    reply.reason = why;
    return false;
  };
  StagedResult staged;
  staged.entry.exit_code = 0;
  staged.entry.stdout_data = store.stdout_data;
  staged.entry.stderr_data = store.stderr_data;
  staged.entry.compile_time_ns = static_cast<uint64_t>(store.duration_ns);
  staged.start_time_ns = store.start_time_ns;
  const std::string& output = miss.link->output;
  auto info = os::lstat_path(output);
  if (!info.ok() || !info->is_regular()) return fail("output missing or not a regular file: " + output);
  uint64_t size = 0;
  auto blob = p_.artifacts.put_file(output, &size);
  if (!blob.ok()) return fail(blob.error().message);
  std::string role((info->mode & 0111) != 0 ? kRoleExecutable : kRolePlain);
  staged.entry.outputs.push_back({role, *blob, size});
  if (miss.link->archive) {
    staged.dep_paths = miss.link->members;
  } else {
    if (miss.injected_depfile.empty()) return fail("no dependency file could be asked for");
    auto text = os::read_file(miss.injected_depfile);
    if (!text.ok()) return fail("linker wrote no dependency file: " + text.error().message);
    auto deps = tools::parse_depfile(*text);
    if (!deps || deps->dep_paths.empty()) return fail("unreadable linker dependency file");
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
  // Object files and libraries are not scanned for __DATE__: they hold no source text.
  auto built = build_include_set(staged.dep_paths, SearchDirs{}, cwd, staged.start_time_ns,
                                 /*allow_time_macros=*/true, p_.files, p_.listings, written_dirs);
  if (!built.ok()) {
    log::debug("link input set: " + built.error().message);
    p_.stats.error();
    return;
  }
  if (built->refused != Passthrough::kNone) {
    p_.stats.passthrough(built->refused);
    return;
  }
  store::IncludeSet set = std::move(built->set);
  set.dirs.clear();
  if (!link.archive) {
    std::map<std::string, std::set<std::string>> shadows;
    for (const auto& file : set.files) {
      std::string abs = std::filesystem::path(os::absolute_from(cwd, file.path)).lexically_normal().string();
      add_library_shadows(abs, link.search_dirs, link.user_dirs, shadows);
    }
    add_search_absences(shadows, p_.listings, set.dirs);
  }
  (void)commit(unit.request_key, std::move(set), staged.entry);
}

}  // namespace zccache::daemon
