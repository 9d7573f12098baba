// The unit marker: how one gcc run over several sources shows where each source's output begins.
//
// The client passes `-wrapper <zccache>,--zccache-unit-marker` when CompileReply::unit_markers
// asks, and gcc then starts each of its subprocesses through `zccache --zccache-unit-marker
// PROGRAM ...`, which writes kUnitMarker to stderr before it execs a compiler proper (cc1,
// cc1plus). The daemon splits the run's stderr per source at the markers; the client removes them
// before it prints, so the user sees exactly the compiler's output.
#pragma once

#include <string>
#include <string_view>

namespace zccache::protocol {

inline constexpr std::string_view kUnitMarkerOption = "--zccache-unit-marker";
// Control characters around a fixed token: nothing a compiler prints for real looks like it.
inline constexpr std::string_view kUnitMarker = "\x1f" "zccache-unit-8c1e" "\x1f\n";

// The text without the markers: what the compiler printed.
std::string strip_unit_markers(std::string_view text);

}  // namespace zccache::protocol
