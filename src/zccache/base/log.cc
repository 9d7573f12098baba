#include "zccache/base/log.h"

#include <unistd.h>

#include <string>

namespace zccache::log {
namespace {
bool g_debug = false;

void write_line(std::string_view msg) {
  std::string line = "zccache: ";
  line += msg;
  line += '\n';
  ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}
}  // namespace

void set_debug(bool enabled) { g_debug = enabled; }
bool debug_enabled() { return g_debug; }
void debug(std::string_view msg) {
  if (g_debug) write_line(msg);
}
void error(std::string_view msg) { write_line(msg); }

}  // namespace zccache::log
