// Determinism check of links: a cached program must be what the bare linker would write now.
//
// Why a re-run, and when: an allow list of linker options (tools/link/linker_options.h) keeps out
// what we know to vary (--build-id=uuid), but it cannot see a linker that stamps the time or a
// random salt itself (a wrapper script, a vendor linker, a plugin-free LTO with a random seed).
// Only running the same link twice shows that. So the first miss of a link's request key (no
// manifest for it yet) is linked a second time by the daemon, after the client has its reply (off
// the build's critical path, see Server::serve), with its outputs sent to a private temporary
// directory, and compared byte for byte with what the first run wrote (and the store holds).
//   - same: the entry is stored; later misses of the key (other input contents) are not re-run,
//     since the command, the linker and its libraries (all in the key) are what could make it vary.
//   - different: nothing is stored and the key is remembered as non-deterministic for the daemon's
//     life; later links of it pass through as `link_nondeterministic` (after a restart, the first
//     miss finds it again).
//   - inconclusive (the re-run failed, or an input changed meanwhile): nothing is stored.
// The cost is one extra link per new command, never a wrong program. Only the -o path differs
// between the two runs; a linker map names the output, so the map is compared with the re-run's
// output path written back as the user spelled it.
#pragma once

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "zccache/hash/digest.h"
#include "zccache/store/artifact_store.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/link/link_plan.h"

namespace zccache::daemon {

// The keys found non-deterministic. Thread-safe.
class LinkVerdicts {
 public:
  bool nondeterministic(const hash::Digest& key) const;
  void mark_nondeterministic(const hash::Digest& key);

 private:
  // Bounded: a daemon that sees more distinct non-deterministic commands forgets them all and
  // finds each again on its next miss.
  static constexpr size_t kMaxKeys = 100000;
  mutable std::mutex mutex_;
  std::unordered_set<hash::Digest, hash::DigestHash> keys_;  // GUARDED_BY(mutex_)
};

// Roles of a link's outputs in its ResultEntry.
inline constexpr std::string_view kLinkRoleExecutable = "output+x";
inline constexpr std::string_view kLinkRolePlain = "output";
inline constexpr std::string_view kLinkRoleMap = "map";

struct Relink {
  std::string program;             // what the client ran: the driver, or ld.lld / wasm-ld
  std::vector<std::string> args;   // the link's arguments as planned (response files expanded)
  tools::link::LinkPlan plan;
  std::vector<std::string> env;
  std::string cwd;
};

enum class RelinkVerdict { kSame, kDifferent, kFailed };

// Runs the link again with its outputs in a new directory under `tmp_dir` (removed afterwards)
// and compares outputs, stdout and stderr with `entry`.
RelinkVerdict relink_and_compare(const Relink& relink, const store::ResultEntry& entry, const std::string& tmp_dir,
                                 store::ArtifactStore& artifacts);

}  // namespace zccache::daemon
