// CompileHandler: the daemon's answer to one cached-compile request (lookup, delivery on a hit,
// instructions on a miss) and to the Store message that follows a miss.
//
// The pending state of a miss lives with its connection (the client keeps the connection open
// while its compiler runs), so a client that dies mid-compile leaves nothing behind.
// Thread-safe: each connection thread calls begin()/finish() on its own PendingMiss; shared state
// is in the collaborators, each thread-safe, plus manifest_mutex_ for read-modify-write of manifests.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/daemon/compile_event.h"
#include "zccache/daemon/compiler_registry.h"
#include "zccache/daemon/compiler_search.h"
#include "zccache/daemon/link_verify.h"
#include "zccache/daemon/emcc_setup.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/remote_tier.h"
#include "zccache/daemon/request_memo.h"
#include "zccache/daemon/stats.h"
#include "zccache/fscache/directory_cache.h"
#include "zccache/fscache/metadata_cache.h"
#include "zccache/os/file_info.h"
#include "zccache/protocol/messages.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/index.h"
#include "zccache/store/result_entry.h"
#include "zccache/store/usage_tracker.h"
#include "zccache/tools/link/link_plan.h"
#include "zccache/tools/plan.h"
#include "zccache/tools/rustc/dep_info.h"
#include "zccache/tools/rustc/parse.h"
#include "zccache/tools/rustfmt/parse.h"

namespace zccache::daemon {

// A miss's outputs, copied into the artifact store, waiting for their include set.
struct StagedResult {
  store::ResultEntry entry;
  // As the compiler spelled them, source first; empty when record() must scan for them (-MMD,
  // which leaves out system headers, and clang compiling several sources without a depfile).
  std::vector<std::string> dep_paths;
  int64_t start_time_ns = 0;  // when the compile that wrote the outputs started
  // Each dep path's stat (by absolute path) taken at stage(), while the client still waited for
  // its StoreReply, so before the build could go on: record() runs later, off the build's path,
  // and refuses a file that is no longer the one the compile read (a tree swapped in by rename,
  // `rsync -a` or `tar x` keeps old timestamps that the start-time check cannot see). When
  // record() scans (dep_paths empty), the stats are of the user's -MMD depfile's paths, if any:
  // the project's files, not complete (the scan adds system headers).
  CompileEndStats dep_stats;
};

// One source a miss compiles (a single-source compile has one unit).
struct MissUnit {
  tools::Plan plan{};
  hash::Digest request_key{};
  uint32_t index = 0;  // in the request's sources
  bool compiled = false;  // a StoreRequest covered it
  std::optional<StagedResult> staged{};
  std::string basedir{};  // set when the key was relocated (basedir.h)
  std::vector<RemoteAttempt> remote{};  // what the remotes asked after its local miss did (journal)
  std::string upload_note{};  // why its result will not be uploaded ("read_only", "host_specific"), journal
};

// The rustc part of a miss (rust_compile.cc); its one MissUnit carries the request key, the
// staged result and, for the journal, a Plan with the argv, source and first output.
struct RustMiss {
  tools::rustc::RustPlan plan;
  // From the build's dep-info at stage(), or from a scan at record().
  std::vector<std::string> inputs;
  std::vector<tools::rustc::EnvDep> env_deps;
  // Digests of the files in cargo's OUT_DIR, taken before the compile started (see
  // build_include_set's `settled`): a build script writes them a moment before rustc runs.
  std::map<std::string, hash::Digest> settled;
};

// The rustfmt part of a miss (rustfmt_compile.cc).
struct RustfmtMiss {
  tools::rustfmt::RustfmtPlan plan;
};

// The clang-tidy or include-what-you-use part of a miss (tidy_compile.cc): how to run the tool
// again to learn the headers it read.
struct TidyMiss {
  bool iwyu = false;
  std::vector<std::string> scan_head;  // the tool and its arguments before the scan's own flags
  std::vector<std::string> scan_tail;  // after them (clang-tidy: the source, `--`, the compile flags)
  std::string extra_prefix;            // before each of the scan's flags ("--extra-arg=" for clang-tidy)
  std::string source;                  // as given
};

// The link or ar part of a miss (link_compile.cc, direct_link_compile.cc).
struct LinkMiss {
  // How the link tells what it read: a driver passes -Wl,--dependency-file=F on, ld.lld takes
  // --dependency-file=F, wasm-ld (no dependency file) writes --reproduce=F.tar (tools/link/reproduce_tar.h).
  enum class Inputs { kDriverDepfile, kLinkerDepfile, kReproduceTar };
  bool archive = false;  // ar, else a link
  Inputs inputs = Inputs::kDriverDepfile;
  std::string output;    // absolute
  std::string map;       // absolute; empty when the link writes no map
  // Link: the library search directories in the linker's order (-L first, then the driver's
  // own), absolute and lexically normal; user_dirs of them came from -L.
  std::vector<std::string> search_dirs;
  size_t user_dirs = 0;
  std::vector<std::string> members;  // ar: the member files, as given
  // Link: what the determinism check runs again (link_verify.h).
  std::vector<std::string> args;  // response files expanded
  tools::link::LinkPlan plan;
};

// An emcc/em++ request, planned and set up (emcc_compile.cc).
struct EmccRequest {
  tools::emscripten::EmccPlan plan;
  EmccSetup setup;
  std::vector<store::FileDigest> response_files;  // every @file read, with its digest
  bool response_files_complete = true;
};

// The emcc link part of a miss (emcc_link.cc).
struct EmccLinkMiss {
  std::vector<std::string> outputs;  // absolute, the -o target first
  // Files beside the outputs that must not change during the link, with their state before it
  // (nullopt: absent).
  std::vector<std::pair<std::string, std::optional<os::FileInfo>>> guarded;
  std::string reproduce_tar;  // -Wl,--reproduce: what wasm-ld read (reproduce_inputs.h)
  std::vector<std::string> extra_inputs;  // read by emcc's JS back end: struct_info.json, acorn
  std::vector<std::string> search_dirs;   // wasm-ld's -L order, absolute (from the archive)
};

struct PendingMiss {
  protocol::CompileRequest request;
  CompilerInfo compiler;
  bool multi = false;            // replied kMulti: StoreRequests name their units
  std::vector<MissUnit> units;
  // Our dependency file: the -MF file of a single-source miss without a user depfile, or the
  // SUNPRO_DEPENDENCIES file gcc appends one rule per source to. Removed afterwards.
  std::string injected_depfile;
  std::unique_ptr<RustMiss> rust;  // set for rustc
  std::unique_ptr<RustfmtMiss> rustfmt;  // set for rustfmt
  std::unique_ptr<TidyMiss> tidy;        // set for clang-tidy and include-what-you-use
  std::unique_ptr<LinkMiss> link;  // set for a driver link or ar
  std::unique_ptr<EmccLinkMiss> emcc_link;  // set for an emcc link
  // A single-source C/C++ miss whose response files were all read: what remembering the request
  // once its result is stored takes (remember_stored), so that the next run of the same command
  // is answered from the memo instead of the full lookup.
  std::optional<hash::Digest> memo_key;
  std::vector<store::FileDigest> response_files;
  hash::Digest source_digest;
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
  explicit CompileHandler(CacheParts parts) : p_(parts), search_(parts.listings) {}

  // Fills `reply`; on kMiss also returns the state that finish() needs. `event`, when given, gets
  // the facts of each hit for the journal and sessions. A path_search request first gets its
  // compiler from the search (find_compiler), which `request` names from then on.
  std::unique_ptr<PendingMiss> begin(protocol::CompileRequest& request, protocol::CompileReply& reply,
                                     CompileEvent* event = nullptr);
  // Forgets every remembered request (after `clear`).
  void clear_memo() {
    memo_.clear();
    search_.clear();
  }
  // What the remembered requests hold (request_memo.h), for `status`.
  size_t memo_bytes() { return memo_.bytes(); }
  // Copies the outputs of the units one compile held into the store and fills the StoreReply;
  // the client may go on once it has the reply.
  protocol::StoreReply stage(PendingMiss& miss, const protocol::StoreRequest& store);
  // Records the include set and result of every staged unit (off the build's critical path: the
  // caller has answered the last StoreRequest).
  void record(PendingMiss& miss);
  // After the reply of a hit that created a memo entry: checks its inputs once more under a fresh
  // generation snapshot, so that the very next repeat is answered by the snapshot (request_memo.h)
  // instead of checking every input itself. Off the hit's path: the client has its answer.
  void prepare_repeat(const CompileEvent& event, const std::string& cwd);
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
  // emcc: the request's plan, made by begin() (emcc_compile.cc), or null to plan here.
  PlannedRequest plan_request(const protocol::CompileRequest& request, const CompilerInfo& compiler,
                              const EmccRequest* emcc = nullptr);
  // What explain() compares a later request with: the inputs of the request that stored this
  // unit's object, under the object's absolute path (explain.cc). Written by commit(), in the
  // result's own transaction, so that a result counted as stored is always explained.
  store::IndexWrite output_record(const PendingMiss& miss, const MissUnit& unit);
  // A path_search request (protocol.h): searches its PATH for the compiler, which `request` and
  // `reply` then name. False (and a kPassthrough reply) when none is found. After the drain.
  bool find_compiler(protocol::CompileRequest& request, protocol::CompileReply& reply);
  // rustc (rust_compile.cc): begin(), stage() and record() for Family::kRust.
  std::unique_ptr<PendingMiss> begin_rust(const protocol::CompileRequest& request, CompilerInfo compiler,
                                          protocol::CompileReply& reply, CompileEvent* event);
  // The result a StoreRequest reports (exit code, output, timing), before its outputs are copied.
  static StagedResult staged_from(const protocol::StoreRequest& store);
  // A reported compile that cannot be stored: logged, counted as an error, `why` in the reply.
  // Returns false, for the stage_* functions to return.
  bool not_stored(protocol::StoreReply& reply, const std::string& why);
  // After a successful compile: copies the outputs (true) or says why not in `reply`.
  bool stage_rust(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply);
  void record_rust(PendingMiss& miss, MissUnit& unit);

  // For a rustc, rustfmt or clippy-driver that is rustup's proxy, the toolchain's own binary for
  // this request's environment and cwd (`rustup which`, honouring RUSTUP_TOOLCHAIN and
  // rust-toolchain.toml): the proxy's identity says nothing about which toolchain runs. Empty
  // when rustup does not say (the compile then passes through); nullopt for anything else. Costs
  // one rustup run (~15 ms); cargo passes the toolchain's rustc itself, so builds do not pay it.
  static std::optional<std::string> rustup_proxy_target(const protocol::CompileRequest& request);

  // rustfmt (rustfmt_compile.cc): a hit is a run that would change nothing; record_rustfmt()
  // learns the files a successful run covered and checks they are formatted.
  std::unique_ptr<PendingMiss> begin_rustfmt(const protocol::CompileRequest& request, CompilerInfo compiler,
                                             protocol::CompileReply& reply, CompileEvent* event);
  void record_rustfmt(PendingMiss& miss, MissUnit& unit);

  // clang-tidy and include-what-you-use (tidy_compile.cc): a hit replays one run's diagnostics
  // and exit code; record_tidy() learns the headers from a scan run of the same tool.
  std::unique_ptr<PendingMiss> begin_tidy(const protocol::CompileRequest& request, CompilerInfo compiler,
                                          protocol::CompileReply& reply, CompileEvent* event);
  std::unique_ptr<PendingMiss> begin_iwyu(const protocol::CompileRequest& request, CompilerInfo compiler,
                                          protocol::CompileReply& reply, CompileEvent* event);
  // Both: the lookup of `key` (a hit fills reply and event), else the miss to run.
  std::unique_ptr<PendingMiss> lookup_tidy(const protocol::CompileRequest& request, CompilerInfo compiler,
                                           const hash::Digest& key, tools::Family family, std::unique_ptr<TidyMiss> scan,
                                           protocol::CompileReply& reply, CompileEvent* event);
  bool stage_tidy(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply);
  void record_tidy(PendingMiss& miss, MissUnit& unit);
  // Links and archives (link_compile.cc): a driver link (the gcc/clang parser said kLinking), and
  // `ar` (Family::kAr).
  std::unique_ptr<PendingMiss> begin_link(const protocol::CompileRequest& request, CompilerInfo compiler,
                                          protocol::CompileReply& reply, CompileEvent* event);
  std::unique_ptr<PendingMiss> begin_ar(const protocol::CompileRequest& request, CompilerInfo compiler,
                                        protocol::CompileReply& reply, CompileEvent* event);
  // ld.lld or wasm-ld called directly (Family::kLld; direct_link_compile.cc).
  std::unique_ptr<PendingMiss> begin_direct_link(const protocol::CompileRequest& request, CompilerInfo compiler,
                                                 protocol::CompileReply& reply, CompileEvent* event);
  // Both links after their key: a hit, a passthrough for a key found non-deterministic, or the
  // miss (with the option that makes the linker list its inputs). `link` has output, map, args,
  // plan and search dirs filled; `first_input` names the link in the journal.
  std::unique_ptr<PendingMiss> lookup_link(const protocol::CompileRequest& request, CompilerInfo compiler,
                                           const hash::Digest& key, std::unique_ptr<LinkMiss> link,
                                           protocol::CompileReply& reply, CompileEvent* event);
  bool stage_link(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply);
  void record_link(PendingMiss& miss, MissUnit& unit);
  // Link: whether the entry may be stored, after the determinism check for the key's first miss.
  bool link_verified(PendingMiss& miss, MissUnit& unit, const store::IncludeSet& set);
  // emcc/em++ (emcc_compile.cc, emcc_link.cc): plan_emcc() plans the request and folds its setup
  // into compiler.identity (nullopt: it answered with a passthrough); compiles then take the
  // gcc/clang path, links begin_emcc_link().
  std::optional<EmccRequest> plan_emcc(const protocol::CompileRequest& request, CompilerInfo& compiler,
                                       protocol::CompileReply& reply);
  std::unique_ptr<PendingMiss> begin_emcc_link(const protocol::CompileRequest& request, CompilerInfo compiler,
                                               EmccRequest emcc, protocol::CompileReply& reply, CompileEvent* event);
  bool stage_emcc_link(PendingMiss& miss, const protocol::StoreRequest& store, protocol::StoreReply& reply);
  void record_emcc_link(PendingMiss& miss, MissUnit& unit);
  // The determinism check of an emcc link's first miss (emcc_link.cc); false: do not store.
  bool emcc_link_verified(PendingMiss& miss, MissUnit& unit, const store::IncludeSet& set);

  using Deliver = std::function<Result<bool>(const store::ResultEntry&)>;
  // A link request answered without running the linker: a hit (journalled as `journal`), or a key
  // known to link non-deterministically (passed through). Shared by every link path.
  bool link_answered(const protocol::CompileRequest& request, const hash::Digest& key, const tools::Plan& journal,
                     const Deliver& deliver, protocol::CompileReply& reply, CompileEvent* event);
  // The lookup of one request key: the first include set of its manifest that matches now whose
  // result `deliver` writes (false from it: try the next set). Fills the reply on a hit, and
  // `memo` (when given) with the set and result.
  bool lookup(const protocol::CompileRequest& request, const hash::Digest& key, const Deliver& deliver,
              protocol::CompileReply& reply, MemoUnit* memo);
  // The input-set step that links, emcc links, rustc and rustfmt share: their tools name every
  // input by path (no search directories, so the set keeps no directory) and read no C source
  // (no __DATE__ scan). nullopt when nothing may be stored, already counted: an error (logged as
  // "<what> input set: ...") or build_include_set's refusal as its passthrough reason.
  // written_dirs and settled: as for build_include_set (include_set.h).
  std::optional<store::IncludeSet> file_input_set(std::string_view what, const std::vector<std::string>& paths,
                                                  const std::string& cwd, int64_t start_time_ns,
                                                  const std::set<std::string>& written_dirs = {},
                                                  const std::map<std::string, hash::Digest>* settled = nullptr);
  // Stores a recorded result and adds its include set (result_key set here) to the manifest of
  // `request_key`, with `also` (an output_record) in the same transaction. False when the index
  // refused (counted as an error). `committed` runs after the write and before `stored` is
  // counted (what waits for that counter sees its effect).
  bool commit(const hash::Digest& request_key, store::IncludeSet set, const store::ResultEntry& entry,
              std::optional<store::IndexWrite> also = std::nullopt, const std::function<void()>& committed = {});
  // After a single-source miss was stored: a memo entry for its request, vouched for under a
  // generation snapshot, as a hit through the manifest would have made it (request_memo.h).
  void remember_stored(const PendingMiss& miss, const MissUnit& unit, store::IncludeSet set,
                       const store::ResultEntry& entry);
  // memo: filled with the matched include set and result on a hit (the caller completes it).
  bool try_hit(const protocol::CompileRequest& request, const tools::Plan& plan, const hash::Digest& key,
               protocol::CompileReply& reply, MemoUnit* memo);
  // After a local miss: fetches the entry from the remotes, indexes it locally, and delivers it
  // through lookup() with `deliver` (remote_lookup.cc). False when no remote is configured or none
  // could serve it. `attempts` gets what each remote asked did (for the journal).
  // `args`: the compile's (expanded) arguments; a host-specific compile (-march=native) asks no remote.
  bool try_remote_hit(const protocol::CompileRequest& request, const std::vector<std::string>& args,
                      const hash::Digest& key, const Deliver& deliver, protocol::CompileReply& reply, MemoUnit* memo,
                      std::vector<RemoteAttempt>& attempts);
  // The same for a C or C++ unit (try_hit's delivery).
  bool try_remote_hit(const protocol::CompileRequest& request, const tools::Plan& plan, const hash::Digest& key,
                      protocol::CompileReply& reply, MemoUnit* memo, std::vector<RemoteAttempt>& attempts);
  // Queues a recorded result for upload (no-op without a remote tier, in read-only mode, or for a
  // host-specific compile).
  void upload(const PendingMiss& miss, const MissUnit& unit, store::IncludeSet set, const store::ResultEntry& entry);
  // Why a miss with these arguments will not be uploaded, for its journal line ("" when it will be,
  // or when there is no remote).
  std::string upload_note(const std::vector<std::string>& args) const;
  // How a C or C++ unit's result is written to its outputs.
  Deliver deliverer(const protocol::CompileRequest& request, const tools::Plan& plan);
  // A hit answered from the memo, after re-checking every input; false: do the full lookup.
  bool try_memo_hit(const protocol::CompileRequest& request, const CompilerInfo& compiler,
                    const hash::Digest& memo_key, protocol::CompileReply& reply, CompileEvent* event);
  // True when the memo's response files, sources and include set are as remembered: from its
  // generation snapshot when no watched directory they depend on changed, else by checking each
  // (then taking a new snapshot when the watcher vouches for every fact).
  enum class MemoCheck { kChanged, kBySnapshot, kChecked };
  MemoCheck memo_inputs_unchanged(const MemoEntry& memo, const std::string& cwd);
  void deliver_reply(const store::ResultEntry& result, protocol::CompileReply& reply);
  void passthrough(tools::Passthrough reason, protocol::CompileReply& reply);

  CacheParts p_;
  RequestMemo memo_;
  CompilerSearch search_;
  LinkVerdicts link_verdicts_;
  std::mutex manifest_mutex_;  // serialises manifest read-modify-write
  std::atomic<uint64_t> next_token_{1};
};

}  // namespace zccache::daemon
