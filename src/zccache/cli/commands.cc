#include "zccache/cli/commands.h"

#include <cstdio>
#include <iterator>
#include <string_view>

#include "zccache/base/version.h"
#include "zccache/cli/command_words.h"
#include "zccache/cli/config_command.h"
#include "zccache/cli/daemon_commands.h"
#include "zccache/cli/explain_command.h"
#include "zccache/cli/session_command.h"

namespace zccache::cli {
namespace {

int print_version(const std::vector<std::string>&) {
  std::printf("zccache %s\n", kVersion);
  return 0;
}

int print_help(const std::vector<std::string>&) {
  std::printf(
      "usage: zccache <compiler> [args...]   compile through the cache\n"
      "       zccache --version               print the version\n"
      "       zccache start                   start the daemon for ZCCACHE_DIR\n"
      "       zccache stop                    stop it\n"
      "       zccache status [--json]         daemon, cache size and statistics\n"
      "       zccache clear                   remove every cached entry and reset statistics\n"
      "       zccache stats --zero            reset the statistics only\n"
      "       zccache config [max-size [SIZE]] show or set the size limit (e.g. 10G, 500M)\n"
      "       zccache explain [--json] -- <compiler> [args...]\n"
      "                                       would this compile hit? if not, why\n"
      "       zccache session-start [--stats] [--log FILE] [--journal FILE.jsonl] [--json]\n"
      "                                       start a session; prints export ZCCACHE_SESSION_ID=<id>\n"
      "       zccache session-stats ID        the session's statistics (JSON)\n"
      "       zccache session-end ID          end it and print its statistics (JSON)\n");
  return 0;
}

struct Command {
  std::string_view name;
  int (*run)(const std::vector<std::string>& args);
};

// Sorted by name.
constexpr Command kCommands[] = {
    {"--help", print_help},   {"--version", print_version}, {"-V", print_version}, {"-h", print_help},
    {"clear", clear_cache},   {"config", run_config},       {"explain", explain_command},
    {"help", print_help},
    {"session-end", session_end}, {"session-start", session_start}, {"session-stats", session_stats},
    {"start", start_daemon},  {"stats", stats_command},     {"status", show_status},
    {"stop", stop_daemon},
};

// The front decides "command or compiler" from command_words.h: every word of this table must be
// there (a missing one would cost that command a round trip to the daemon as a compile first).
constexpr bool words_match_table() {
  size_t words = 0;
  for (const auto& c : kCommands) {
    if (c.name.starts_with('-')) continue;
    ++words;
    bool listed = false;
    for (std::string_view w : kCommandWords) listed = listed || w == c.name;
    if (!listed) return false;
  }
  return words == std::size(kCommandWords);
}
static_assert(words_match_table(), "command_words.h must list exactly the commands of kCommands");

const Command* find(const std::string& word) {
  for (const auto& c : kCommands)
    if (c.name == word) return &c;
  return nullptr;
}

}  // namespace

bool is_command(const std::string& word) { return find(word) != nullptr || (!word.empty() && word[0] == '-'); }

int run_command(const std::vector<std::string>& args) {
  const Command* c = find(args[0]);
  if (!c) {
    std::fprintf(stderr, "zccache: unknown option or command '%s' (try zccache --help)\n", args[0].c_str());
    return 2;
  }
  return c->run(args);
}

}  // namespace zccache::cli
