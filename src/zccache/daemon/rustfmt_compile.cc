// CompileHandler's rustfmt path: begin_rustfmt(), record_rustfmt().
//
// The cached fact is "these files are formatted": the request key covers the rustfmt binary (and
// its toolchain's libraries), the formatting options, the cwd, the given files' names and the
// configuration files rustfmt would find for them; the manifest holds every file the run covered
// (the given ones and the module files rustfmt followed from them) with its formatted content.
// A hit runs nothing and prints nothing, as rustfmt on formatted files would (also for --check).
//
// The file list comes from a verifying `rustfmt --check -v` run after a successful run (after
// the client has its reply). A file is recorded only with content that a --check run found
// formatted and that did not change around that run: a file rustfmt rewrites, or one the user
// edits meanwhile, is never marked formatted until its new content is.
#include <cstdlib>

#include "zccache/base/log.h"
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/config_search.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"

namespace zccache::daemon {
namespace {

using tools::Passthrough;
using tools::rustfmt::RustfmtPlan;

constexpr std::string_view kKeySalt = "zccache-rustfmt-key-v1";

// The configuration rustfmt would use: --config-path (a file, or a directory searched upwards),
// then for each file the first rustfmt.toml/.rustfmt.toml in its directory or a parent, else the
// user's global one (~/.rustfmt.toml, ~/rustfmt.toml, $XDG_CONFIG_HOME or ~/.config /rustfmt/).
void hash_config(hash::Hasher& h, const RustfmtPlan& plan, const protocol::CompileRequest& req,
                 fscache::MetadataCache& files) {
  const std::initializer_list<const char*> kNames = {"rustfmt.toml", ".rustfmt.toml"};
  if (!plan.config_path.empty()) {
    std::string path = os::absolute_from(req.cwd, plan.config_path);
    auto facts = files.facts(path);
    h.add("config-path").add(path);
    if (facts.ok()) {
      h.add_digest(facts->digest);
    } else {
      hash_config_search(h, path, kNames, true, files);
    }
  }
  bool any_missing = false;
  for (const auto& f : plan.files) {
    std::string dir(os::dirname_of(os::absolute_from(req.cwd, f)));
    any_missing = !hash_config_search(h, dir.empty() ? "/" : dir, kNames, true, files) || any_missing;
  }
  if (!any_missing) return;
  const char* home = find_env(req.env, "HOME");
  const char* xdg = find_env(req.env, "XDG_CONFIG_HOME");
  if (home && *home) hash_config_search(h, home, {".rustfmt.toml", "rustfmt.toml"}, false, files);
  std::string config_dir = xdg && *xdg ? std::string(xdg) : home && *home ? std::string(home) + "/.config" : "";
  if (!config_dir.empty()) hash_config_search(h, config_dir + "/rustfmt", kNames, false, files);
}

// `rustfmt --check -v <options> <files>`: the absolute paths it reports formatting, or nullopt
// when the run failed or found something unformatted.
std::optional<std::vector<std::string>> verify(const PendingMiss& miss) {
  const RustfmtPlan& plan = miss.rustfmt->plan;
  std::vector<std::string> argv{miss.request.compiler, "--check", "-v", "--color=never"};
  argv.insert(argv.end(), plan.options.begin(), plan.options.end());
  argv.insert(argv.end(), plan.files.begin(), plan.files.end());
  auto out = os::run_capture(argv, &miss.request.env, miss.request.cwd);
  if (!out.ok() || out->exit_code != 0) return std::nullopt;
  std::vector<std::string> paths;
  constexpr std::string_view kPrefix = "Formatting ";
  std::string_view text(out->stdout_data);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.substr(0, kPrefix.size()) == kPrefix) paths.emplace_back(line.substr(kPrefix.size()));
  }
  if (paths.empty()) return std::nullopt;
  return paths;
}

}  // namespace

std::unique_ptr<PendingMiss> CompileHandler::begin_rustfmt(const protocol::CompileRequest& req, CompilerInfo compiler,
                                                           protocol::CompileReply& reply, CompileEvent* event) {
  RustfmtPlan plan = tools::rustfmt::make_plan(req.args);
  if (plan.passthrough != Passthrough::kNone) {
    passthrough(plan.passthrough, reply);
    return nullptr;
  }
  for (const auto& f : plan.files) {
    auto info = os::lstat_path(os::absolute_from(req.cwd, f));
    if (!info.ok()) {
      passthrough(Passthrough::kMissingSource, reply);
      return nullptr;
    }
    if (!info->is_regular()) {
      passthrough(Passthrough::kOutputNotRegular, reply);  // rustfmt rewrites it in place
      return nullptr;
    }
  }
  hash::Hasher h;
  h.add(kKeySalt).add_digest(compiler.identity).add(req.cwd);
  h.add("options").add_u64(plan.options.size());
  for (const auto& o : plan.options) h.add(o);
  h.add("files").add_u64(plan.files.size());
  for (const auto& f : plan.files) h.add(f);
  hash_config(h, plan, req, p_.files);
  hash::Digest key = h.finish();

  tools::Plan journal;
  journal.family = tools::Family::kRustfmt;
  journal.args = req.args;
  journal.source = plan.files[0];
  MemoUnit found;
  auto deliver = [](const store::ResultEntry&) -> Result<bool> { return true; };  // nothing to write
  if (lookup(req, key, deliver, reply, &found)) {
    if (event) event->note_hit(0, false, journal, found.result);
    return nullptr;
  }
  p_.stats.miss();
  auto miss = std::make_unique<PendingMiss>();
  reply.outcome = protocol::CompileOutcome::kMiss;
  reply.miss_token = next_token_.fetch_add(1);
  miss->units.push_back(MissUnit{.plan = std::move(journal), .request_key = key});
  miss->rustfmt = std::make_unique<RustfmtMiss>();
  miss->rustfmt->plan = std::move(plan);
  miss->request = req;
  miss->compiler = std::move(compiler);
  return miss;
}

void CompileHandler::record_rustfmt(PendingMiss& miss, MissUnit& unit) {
  // Learn the files; hash them; verify again with the hashes taken: a file whose content is the
  // one hashed before the second --check run passed is formatted with that content.
  auto paths = verify(miss);
  if (!paths) {
    log::debug("rustfmt: verifying run failed; not stored");
    p_.stats.error();
    return;
  }
  std::map<std::string, hash::Digest> settled;
  for (const auto& p : *paths) {
    auto facts = p_.files.facts(p);
    if (!facts.ok()) {
      p_.stats.error();
      return;
    }
    settled.emplace(p, facts->digest);
  }
  int64_t start = os::now_realtime_ns();
  auto again = verify(miss);
  if (!again || *again != *paths) {
    p_.stats.passthrough(Passthrough::kTooNew);  // something changed while we looked
    return;
  }
  auto built = file_input_set("rustfmt", *paths, miss.request.cwd, start, {}, &settled);
  if (!built) return;
  store::IncludeSet set = std::move(*built);
  // A hit prints nothing: what rustfmt prints when it changes nothing.
  unit.staged->entry.stdout_data.clear();
  unit.staged->entry.stderr_data.clear();
  (void)commit(unit.request_key, std::move(set), unit.staged->entry);
}

}  // namespace zccache::daemon
