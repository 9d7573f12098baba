// The stderr of one compiler run over several sources, split into each source's own part, so that
// every source can be stored with exactly the diagnostics a compile of it alone prints.
//
// gcc: the run went through the unit-marker wrapper (protocol/unit_marker.h), so the parts are
// the text between markers; anything before the first marker came from the driver itself and
// belongs to no single source.
// clang: it has no wrapper option, but each source that printed diagnostics ends its part with
// "N warning(s) generated.", and the part's first line names the source (directly or as the first
// "In file included from"). Parts are accepted only when every line belongs to such a part, the
// parts name the sources in command-line order, and each part holds as many warnings as its
// summary line counts; anything else (remarks, -H output, suppressed summaries) is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/plan.h"

namespace zccache::daemon {

// One part per source (empty for a source that printed nothing), or nullopt when the text cannot
// be attributed exactly. `sources`: as spelled on the command line, in order.
std::optional<std::vector<std::string>> split_unit_stderr(tools::Family family, std::string_view err,
                                                          const std::vector<std::string>& sources);

}  // namespace zccache::daemon
