// The zccache-fp command line:
//   zccache-fp --cache-file F check|mark-success|mark-failure [--root DIR] [--include GLOB]...
//              [--exclude GLOB]... [--no-daemon] [--verbose]
// Uses the running daemon of ZCCACHE_DIR when there is one (daemon_scan.h) unless --no-daemon or
// ZCCACHE_FP_NO_DAEMON=1; works alone otherwise, with the same results.
// Exit codes: 0 unchanged (check) or done; 1 changed (check); 2 bad usage or an error, with one
// line on stderr (a build treats it like "changed" when it writes `check || regenerate`).
#pragma once

namespace zccache::fp {

int run_fp(int argc, char** argv);

}  // namespace zccache::fp
