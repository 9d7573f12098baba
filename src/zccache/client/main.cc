// zccache-client: wrapper mode (`zccache gcc ...`, or a symlink named like the compiler) or a
// management command, as handed over by the front (`zccache`, src/zccache/front) or run directly.
// The only catch-all of the project: anything unexpected runs the real compiler.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/base/log.h"
#include "zccache/cli/commands.h"
#include "zccache/client/compiler_path.h"
#include "zccache/client/handoff.h"
#include "zccache/client/wrapper.h"
#include "zccache/protocol/unit_marker.h"

namespace {

int run(int argc, char** argv) {
  if (argc >= 5 && std::string_view(zccache::client::kHandoffOption) == argv[1]) {
    if (!zccache::client::accept_handoff(argv[2], argv[3])) {
      std::fprintf(stderr, "zccache: malformed %s arguments\n", zccache::client::kHandoffOption);
      return 2;
    }
    argc -= 4;
    argv += 4;  // the front's own argv from here on
  }
  if (argc >= 3 && zccache::protocol::kUnitMarkerOption == argv[1]) {
    return zccache::client::run_unit_marker(argc - 2, argv + 2);
  }
  zccache::log::set_debug(std::getenv("ZCCACHE_DEBUG") != nullptr);
  std::string compiler_name;
  int first_arg;
  if (zccache::client::invoked_as_zccache(argv[0])) {
    if (argc < 2) {
      std::fprintf(stderr, "zccache: missing compiler or command (try zccache --help)\n");
      return 2;
    }
    std::vector<std::string> words(argv + 1, argv + argc);
    if (zccache::cli::is_command(words[0])) return zccache::cli::run_command(words);
    compiler_name = argv[1];
    first_arg = 2;
  } else {
    std::string self = argv[0];
    compiler_name = self.substr(self.rfind('/') + 1);  // masquerade: find the real one in PATH
    first_arg = 1;
  }
  // getcwd's own allocation, not a 4 KiB buffer here: with one in this frame and one below, a hit's
  // stack reached a page that cost a fault.
  std::unique_ptr<char, decltype(&std::free)> cwd_buf(::getcwd(nullptr, 0), &std::free);
  const std::string cwd = cwd_buf ? cwd_buf.get() : "";  // "": it was removed
  std::vector<std::string> args(argv + first_arg, argv + argc);
  try {
    return zccache::client::run_wrapped_compile(compiler_name, args, cwd);
  } catch (const std::exception& e) {
    // Never break a build: run the compiler as if zccache were not there.
    zccache::log::debug(std::string("internal error, running uncached: ") + e.what());
    std::string compiler = zccache::client::resolve_compiler(compiler_name, cwd.empty() ? "." : cwd);
    if (compiler.empty()) {
      std::fprintf(stderr, "zccache: compiler '%s' not found in PATH\n", compiler_name.c_str());
      return 127;
    }
    std::vector<char*> cargv{compiler.data()};
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(compiler.c_str(), cargv.data());
    return 127;
  }
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
