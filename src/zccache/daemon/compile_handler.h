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
#include <vector>

#include "zccache/daemon/compile_event.h"
#include "zccache/daemon/compiler_registry.h"
#include "zccache/daemon/remote_tier.h"
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

// A miss's outputs, copied into the artifact store, waiting for their include set.
struct StagedResult {
  store::ResultEntry entry;
  // As the compiler spelled them, source first; empty when record() must scan for them (-MMD,
  // which leaves out system headers, and clang compiling several sources without a depfile).
  std::vector<std::string> dep_paths;
  int64_t start_time_ns = 0;  // when the compile that wrote the outputs started
};

// One source a miss compiles (a single-source compile has one unit).
struct MissUnit {
  tools::Plan plan;
  hash::Digest request_key;
  uint32_t index = 0;  // in the request's sources
  bool compiled = false;  // a StoreRequest covered it
  std::optional<StagedResult> staged;
  std::string basedir;  // set when the key was relocated (basedir.h)
};

struct PendingMiss {
  protocol::CompileRequest request;
  CompilerInfo compiler;
  bool multi = false;            // replied kMulti: StoreRequests name their units
  std::vector<MissUnit> units;
  // Our dependency file: the -MF file of a single-source miss without a user depfile, or the
  // SUNPRO_DEPENDENCIES file gcc appends one rule per source to. Removed afterwards.
  std::string injected_depfile;
  // True when every unit has had its StoreRequest (or the client is gone): time to record.
  bool done() const;
  ~PendingMiss();
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
  RemoteTier* remote = nullptr;         // optional: the shared remote caches (remote_tier.h)
};

// A request parsed and keyed: what begin() and explain() both start from.
struct PlannedRequest {
  tools::Passthrough passthrough = tools::Passthrough::kNone;
  CompilerInfo compiler;
  bool multi = false;
  std::vector<std::string> expanded_args;   // multi only
  std::vector<uint32_t> unit_arg_indexes;   // multi only
  std::vector<tools::Plan> plans;           // one per source
  std::vector<hash::Digest> keys;           // request key per source
  std::vector<hash::Digest> source_digests;
  bool color_on = false;
  std::vector<store::FileDigest> response_files;  // every @file read, with its digest
  bool response_files_complete = true;            // false when one could not be read
  std::string basedir;                            // ZCCACHE_BASEDIR of the request (basedir.h)
  std::vector<uint8_t> relocated;                 // per source: its key was relocated
};

class CompileHandler {
 public:
  explicit CompileHandler(CacheParts parts) : p_(parts) {}

  // Fills `reply`; on kMiss also returns the state that finish() needs. `event`, when given, gets
  // the facts of each hit for the journal and sessions.
  std::unique_ptr<PendingMiss> begin(const protocol::CompileRequest& request, protocol::CompileReply& reply,
                                     CompileEvent* event = nullptr);
  // Forgets every remembered request (after `clear`).
  void clear_memo() { memo_.clear(); }
  // Copies the outputs of the units one compile held into the store and fills the StoreReply;
  // the client may go on once it has the reply.
  protocol::StoreReply stage(PendingMiss& miss, const protocol::StoreRequest& store);
  // Records the include set and result of every staged unit (off the build's critical path: the
  // caller has answered the last StoreRequest).
  void record(PendingMiss& miss);
  // `zccache explain`: whether this compile would hit now and, when not, why, compared with what
  // the cache holds for the same request key or, failing that, for the same output (JSON text;
  // explain.cc). Reads only: delivers nothing, stores nothing.
  std::string explain(const protocol::ExplainRequest& request);

 private:
  // The lookups of a multi-source request: per unit, delivered or not (then `misses` gets it).
  void lookup_units(const protocol::CompileRequest& request, std::vector<tools::Plan>& plans,
                    const std::vector<hash::Digest>& keys, protocol::CompileReply& reply,
                    std::vector<MissUnit>& misses, std::vector<MemoUnit>& memo_units, CompileEvent* event);
  bool stage_unit(PendingMiss& miss, MissUnit& unit, const protocol::StoreRequest& store,
                  std::string stdout_data, std::string stderr_data, const std::string* sunpro_text,
                  protocol::StoreReply& reply);
  void record_unit(PendingMiss& miss, MissUnit& unit);
  PlannedRequest plan_request(const protocol::CompileRequest& request, const CompilerInfo& compiler);
  // What explain() compares a later request with: the inputs of the request that stored this
  // unit's object, under the object's absolute path (explain.cc).
  void record_output(const PendingMiss& miss, const MissUnit& unit);
  // memo: filled with the matched include set and result on a hit (the caller completes it).
  bool try_hit(const protocol::CompileRequest& request, const tools::Plan& plan, const hash::Digest& key,
               protocol::CompileReply& reply, MemoUnit* memo);
  // After a local miss: fetches the entry from the remotes, indexes it locally, and delivers it
  // through try_hit (remote_lookup.cc). False when no remote is configured or none could serve it.
  bool try_remote_hit(const protocol::CompileRequest& request, const tools::Plan& plan, const hash::Digest& key,
                      protocol::CompileReply& reply, MemoUnit* memo);
  // Indexes a result whose artifacts are in the store (and pinned), then adds its include set to
  // the manifest of `request_key`. False (an error counted) when the index refused either.
  bool commit_result(const hash::Digest& request_key, const store::IncludeSet& set, const store::ResultEntry& entry);
  // A hit answered from the memo, after re-checking every input; false: do the full lookup.
  bool try_memo_hit(const protocol::CompileRequest& request, const CompilerInfo& compiler,
                    const hash::Digest& memo_key, protocol::CompileReply& reply, CompileEvent* event);
  void deliver_reply(const store::ResultEntry& result, protocol::CompileReply& reply);
  void passthrough(tools::Passthrough reason, protocol::CompileReply& reply);

  CacheParts p_;
  RequestMemo memo_;
  std::mutex manifest_mutex_;  // serialises manifest read-modify-write
  std::atomic<uint64_t> next_token_{1};
};

}  // namespace zccache::daemon
