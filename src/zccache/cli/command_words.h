// The words that make argv[1] a management command rather than a compiler (`zccache status`), for
// the front (src/zccache/front), which must know them without linking the commands. Anything that
// starts with '-' is an option of ours too. commands.cc checks at compile time that its table
// holds exactly these. Plain constants only: the front is built without the C++ library.
#pragma once

namespace zccache::cli {

inline constexpr const char* kCommandWords[] = {
    "clear", "config", "explain", "help", "session-end", "session-start", "session-stats",
    "start", "stats",  "status",  "stop",
};

}  // namespace zccache::cli
