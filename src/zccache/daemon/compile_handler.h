// CompileHandler: the daemon's answer to one cached-compile request (lookup, delivery on a hit,
// instructions on a miss) and to the Store message that follows a miss.
//
// The pending state of a miss lives with its connection (the client keeps the connection open
// while its compiler runs), so a client that dies mid-compile leaves nothing behind.
// Thread-safe: each connection thread calls begin()/finish() on its own PendingMiss; shared state
// is in the collaborators, each thread-safe, plus manifest_mutex_ for read-modify-write of manifests.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "zccache/daemon/compiler_registry.h"
#include "zccache/daemon/request_memo.h"
#include "zccache/daemon/stats.h"
#include "zccache/fscache/directory_cache.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/protocol/messages.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/index.h"
#include "zccache/store/result_entry.h"
#include "zccache/store/usage_tracker.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon {

struct PendingMiss {
  protocol::CompileRequest request;
  tools::Plan plan;
  CompilerInfo compiler;
  hash::Digest request_key;
  std::string injected_depfile;  // our -MF file when the user asked for none; removed afterwards
  ~PendingMiss();
};

// A miss's outputs, copied into the artifact store, waiting for their include set.
struct StagedResult {
  store::ResultEntry entry;
  std::vector<std::string> dep_paths;  // as the compiler spelled them, source first
};

struct CacheParts {
  fscache::MetadataCache& files;
  fscache::DirectoryCache& listings;
  CompilerRegistry& compilers;
  store::Index& index;
  store::ArtifactStore& artifacts;
  Stats& stats;
  std::string tmp_dir;  // <cache>/tmp: injected depfiles
  watcher::Watcher* watcher = nullptr;  // optional: drained before every use of the caches
  store::UsageTracker& usage;           // last use of results; leases held while delivering
};

class CompileHandler {
 public:
  explicit CompileHandler(CacheParts parts) : p_(parts) {}

  // Fills `reply`; on kMiss also returns the state that finish() needs.
  std::unique_ptr<PendingMiss> begin(const protocol::CompileRequest& request, protocol::CompileReply& reply);
  // Forgets every remembered request (after `clear`).
  void clear_memo() { memo_.clear(); }
  // Copies the outputs into the store, answers through `send_reply` as soon as the client may go
  // on, then records the include set and result (off the build's critical path).
  template <typename SendReply>
  void finish(PendingMiss& miss, const protocol::StoreRequest& store, SendReply&& send_reply) {
    protocol::StoreReply reply;
    auto staged = stage_outputs(miss, store, reply);
    send_reply(reply);
    if (staged) record(miss, store, *staged);
  }

 private:
  std::optional<StagedResult> stage_outputs(PendingMiss& miss, const protocol::StoreRequest& store,
                                      protocol::StoreReply& reply);
  void record(PendingMiss& miss, const protocol::StoreRequest& store, const StagedResult& staged);
  // memo: filled with the matched include set and result on a hit (the caller completes it).
  bool try_hit(const protocol::CompileRequest& request, const tools::Plan& plan, const hash::Digest& key,
               protocol::CompileReply& reply, MemoEntry* memo);
  // A hit answered from the memo, after re-checking every input; false: do the full lookup.
  bool try_memo_hit(const protocol::CompileRequest& request, const CompilerInfo& compiler,
                    const hash::Digest& memo_key, protocol::CompileReply& reply);
  void deliver_reply(const store::ResultEntry& result, protocol::CompileReply& reply);
  void passthrough(tools::Passthrough reason, protocol::CompileReply& reply);

  CacheParts p_;
  RequestMemo memo_;
  std::mutex manifest_mutex_;  // serialises manifest read-modify-write
  std::atomic<uint64_t> next_token_{1};
};

}  // namespace zccache::daemon
