// CompileHandler's hook into the remote tier (remote_tier.h): a local miss asks the remotes.
#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/include_set.h"

namespace zccache::daemon {

bool CompileHandler::try_remote_hit(const protocol::CompileRequest& req, const tools::Plan& plan,
                                    const hash::Digest& key, protocol::CompileReply& reply, MemoUnit* memo) {
  if (!p_.remote) return false;
  auto fetched = p_.remote->fetch(key, [&](const store::IncludeSet& set) {
    return include_set_matches(set, req.cwd, p_.files, p_.listings);
  });
  if (!fetched) return false;
  // Indexed like a local miss's result, so that the next lookup is local; then delivered (and
  // counted as a hit) by the ordinary path, which checks the include set and artifacts again.
  if (!commit(key, fetched->set, fetched->result)) return false;
  if (!try_hit(req, plan, key, reply, memo)) return false;
  p_.remote->note_hit(fetched->remote);
  return true;
}

}  // namespace zccache::daemon
