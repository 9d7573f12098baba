// CompileEvent: what CompileHandler::begin() tells the activity record (activity.h) about the
// hits of one request, beyond what the reply carries: per source, the single-source argv and the
// facts of the result that served it. Filled on the request's thread after the lookups (never from
// the parallel lookup workers); read by the same thread. Plain data.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zccache/daemon/remote_attempt.h"
#include "zccache/store/result_entry.h"
#include "zccache/tools/plan.h"

namespace zccache::daemon {

struct MemoEntry;

struct UnitHit {
  uint32_t unit = 0;              // index of the source in the request (0 for a single source)
  std::vector<std::string> args;  // a multi-source request: this source's single-source argv
  uint64_t compile_time_ns = 0;   // recorded when the result was stored: the time the hit saved
  uint64_t bytes_delivered = 0;   // output files written (object, depfile, .dwo, ...)
  std::vector<RemoteAttempt> remote;  // a remote hit: what each remote asked did
};

struct CompileEvent {
  std::vector<UnitHit> hits;
  bool link = false;  // the request was a link or ar: journalled as link_hit
  // A memo entry this request created (a full lookup that hit), for CompileHandler::prepare_repeat.
  std::shared_ptr<const MemoEntry> new_memo;

  // `multi`: the request had several sources, so the unit's own argv is kept (the journal's line
  // for it must replay that one source).
  void note_hit(uint32_t unit, bool multi, const tools::Plan& plan, const store::ResultEntry& result) {
    UnitHit& hit = hits.emplace_back();
    hit.unit = unit;
    if (multi) hit.args = plan.args;
    hit.compile_time_ns = result.compile_time_ns;
    for (const store::StoredOutput& out : result.outputs) hit.bytes_delivered += out.size;
    if (result.has_depfile) hit.bytes_delivered += result.depfile_bytes.size();
  }
};

}  // namespace zccache::daemon
