// CompileHandler's hooks into the remote tier (remote_tier.h): a local miss asks the remotes, and
// a recorded result is queued for upload.
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/include_set.h"

namespace zccache::daemon {

bool CompileHandler::try_remote_hit(const protocol::CompileRequest& req, const hash::Digest& key,
                                    const Deliver& deliver, protocol::CompileReply& reply, MemoUnit* memo,
                                    std::vector<RemoteAttempt>& attempts) {
  if (!p_.remote) return false;
  auto fetched = p_.remote->fetch(
      key, [&](const store::IncludeSet& set) { return include_set_matches(set, req.cwd, p_.files, p_.listings, &req.env); },
      &attempts);
  if (!fetched) return false;
  // Indexed like a local miss's result, so that the next lookup is local; then delivered (and
  // counted as a hit) by the ordinary path, which checks the include set and artifacts again.
  if (!commit(key, fetched->set, fetched->result) || !lookup(req, key, deliver, reply, memo)) {
    attempts.back().outcome = RemoteOutcome::kError;
    attempts.back().error = "fetched and verified, but not delivered here (see the local cache's errors)";
    return false;
  }
  p_.remote->note_hit(fetched->remote);
  return true;
}

bool CompileHandler::try_remote_hit(const protocol::CompileRequest& req, const tools::Plan& plan,
                                    const hash::Digest& key, protocol::CompileReply& reply, MemoUnit* memo,
                                    std::vector<RemoteAttempt>& attempts) {
  return try_remote_hit(req, key, deliverer(req, plan), reply, memo, attempts);
}

void CompileHandler::upload(const PendingMiss& miss, const MissUnit& unit, store::IncludeSet set,
                            const store::ResultEntry& entry) {
  if (!p_.remote) return;
  UploadOrigin origin{miss.request.compiler, miss.multi ? unit.plan.args : miss.request.args, miss.request.cwd,
                      miss.request.session_id};
  p_.remote->upload(unit.request_key, std::move(set), entry, std::move(origin));
}

}  // namespace zccache::daemon
