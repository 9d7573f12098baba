// CompileHandler's hooks into the remote tier (remote_tier.h): a local miss asks the remotes, and
// a recorded result is queued for upload.
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/include_set.h"

namespace zccache::daemon {
namespace {

constexpr std::string_view kHostSpecific = "host_specific";

// -march=native and kin: the compiler picks the instruction set (or tuning) of the machine it runs
// on, so one command line gives another machine another object, which could even fault on a
// machine without those instructions. The key cannot tell, so such results stay in the local cache.
bool host_specific(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (!a.ends_with("=native")) continue;
    for (std::string_view option : {"-march=", "-mcpu=", "-mtune=", "target-cpu=", "-Ctarget-cpu=",
                                    "--codegen=target-cpu="}) {
      if (a.size() == option.size() + 6 && a.starts_with(option)) return true;
    }
  }
  return false;
}

}  // namespace

std::string CompileHandler::upload_note(const std::vector<std::string>& args) const {
  if (!p_.remote) return {};
  if (p_.remote->read_only()) return "read_only";
  return host_specific(args) ? std::string(kHostSpecific) : std::string();
}

bool CompileHandler::try_remote_hit(const protocol::CompileRequest& req, const std::vector<std::string>& args,
                                    const hash::Digest& key, const Deliver& deliver, protocol::CompileReply& reply,
                                    MemoUnit* memo, std::vector<RemoteAttempt>& attempts) {
  if (!p_.remote) return false;
  if (host_specific(args)) {
    attempts = p_.remote->not_asked("-march=native or -C target-cpu=native: the output depends on this machine");
    return false;
  }
  auto fetched = p_.remote->fetch(
      key, [&](const store::IncludeSet& set) { return include_set_matches(set, req.cwd, p_.files, p_.listings, &req.env); },
      &attempts);
  if (!fetched) return false;
  // Indexed like a local miss's result, so that the next lookup is local; then delivered (and
  // counted as a hit) by the ordinary path, which checks the include set and artifacts again.
  if (!commit(key, fetched->set, fetched->result) || !lookup(req, key, deliver, reply, memo)) {
    attempts.back().outcome = RemoteOutcome::kError;
    attempts.back().error = "fetched and verified, but not stored or delivered here";
    return false;
  }
  p_.remote->note_hit(fetched->remote);
  return true;
}

bool CompileHandler::try_remote_hit(const protocol::CompileRequest& req, const tools::Plan& plan,
                                    const hash::Digest& key, protocol::CompileReply& reply, MemoUnit* memo,
                                    std::vector<RemoteAttempt>& attempts) {
  return try_remote_hit(req, plan.args, key, deliverer(req, plan), reply, memo, attempts);
}

void CompileHandler::upload(const PendingMiss& miss, const MissUnit& unit, store::IncludeSet set,
                            const store::ResultEntry& entry) {
  if (!p_.remote || host_specific(unit.plan.args)) return;
  UploadOrigin origin{miss.request.compiler, miss.multi ? unit.plan.args : miss.request.args, miss.request.cwd,
                      miss.request.session_id};
  p_.remote->upload(unit.request_key, std::move(set), entry, std::move(origin));
}

}  // namespace zccache::daemon
