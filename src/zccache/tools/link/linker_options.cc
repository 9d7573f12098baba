#include "zccache/tools/link/linker_options.h"

#include <array>

#include "zccache/tools/one_of.h"

namespace zccache::tools::link {
namespace {

// Names without their dashes. One- and two-letter names (-s, -O1, -() take one dash only.
// Shared by GNU ld, gold and ELF lld.
constexpr std::array<std::string_view, 47> kGnuFlags = {
    "as-needed", "no-as-needed", "O0", "O1", "O2", "gc-sections", "no-gc-sections", "start-group", "end-group", "(",
    ")", "Bstatic", "Bdynamic", "Bsymbolic", "Bsymbolic-functions", "whole-archive", "no-whole-archive",
    "export-dynamic", "E", "no-undefined", "s", "strip-all", "S", "strip-debug", "eh-frame-hdr", "enable-new-dtags",
    "disable-new-dtags", "build-id", "copy-dt-needed-entries", "no-copy-dt-needed-entries", "allow-shlib-undefined",
    "no-allow-shlib-undefined", "fatal-warnings", "warn-common", "sort-common", "x", "discard-all", "relax",
    "no-relax", "t", "gdb-index", "pie", "no-pie", "shared", "static", "nostdlib", "relocatable"};
// A value in the next token or after '='.
constexpr std::array<std::string_view, 10> kGnuValues = {"rpath", "soname", "h", "z", "u", "undefined", "defsym",
                                                         "m", "dynamic-linker", "hash-style"};
// A value after '=' only (--build-id alone is a flag).
constexpr std::array<std::string_view, 4> kGnuJoined = {"build-id", "icf", "threads", "compress-debug-sections"};

// wasm-ld's own set (lld/wasm/Options.td).
constexpr std::array<std::string_view, 48> kWasmFlags = {
    "no-entry", "export-all", "export-dynamic", "no-export-dynamic", "allow-undefined", "import-memory",
    "shared-memory", "import-table", "export-table", "growable-table", "stack-first", "strip-all", "strip-debug",
    "s", "S", "gc-sections", "no-gc-sections", "merge-data-segments", "no-merge-data-segments", "O0", "O1", "O2",
    "O3", "shared", "pie", "no-pie", "relocatable", "r", "whole-archive", "no-whole-archive", "fatal-warnings",
    "no-fatal-warnings", "demangle", "no-demangle", "emit-relocs", "check-features", "no-check-features",
    "compress-relocations", "print-gc-sections", "no-print-gc-sections", "Bstatic", "Bdynamic", "Bsymbolic",
    "experimental-pic", "import-undefined", "no-import-undefined", "t", "trace"};
constexpr std::array<std::string_view, 12> kWasmValues = {
    "export", "export-if-defined", "entry", "e", "initial-memory", "max-memory", "global-base", "table-base", "z",
    "features", "undefined", "u"};
constexpr std::array<std::string_view, 2> kWasmJoined = {"threads", "lto-partitions"};

struct Table {
  const std::string_view* flags;
  size_t n_flags;
  const std::string_view* values;
  size_t n_values;
  const std::string_view* joined;
  size_t n_joined;
};

bool in(std::string_view name, const std::string_view* list, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (list[i] == name) return true;
  return false;
}

Table table_of(LinkerSyntax syntax) {
  if (syntax == LinkerSyntax::kWasm)
    return {kWasmFlags.data(), kWasmFlags.size(), kWasmValues.data(), kWasmValues.size(), kWasmJoined.data(),
            kWasmJoined.size()};
  return {kGnuFlags.data(), kGnuFlags.size(), kGnuValues.data(), kGnuValues.size(), kGnuJoined.data(),
          kGnuJoined.size()};
}

// GNU ld puts the output's name where '%' is; "-" is not a file.
bool plain_map_name(std::string_view name) { return !name.empty() && name != "-" && name.find('%') == std::string_view::npos; }

}  // namespace

void split_wl(const std::string& arg, size_t index, std::vector<LinkerToken>& out) {
  size_t start = 4;  // after "-Wl,"
  while (true) {
    size_t comma = arg.find(',', start);
    size_t end = comma == std::string::npos ? arg.size() : comma;
    out.push_back(LinkerToken{arg.substr(start, end - start), ArgSlot{index, start, end - start}});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

size_t accept_linker_option(const std::vector<LinkerToken>& tokens, size_t i, LinkerSyntax syntax, LinkPlan& plan) {
  std::string_view t = tokens[i].text;
  if (t.size() < 2 || t[0] != '-') return 0;
  size_t dashes = t.substr(0, 2) == "--" ? 2 : 1;
  std::string_view body = t.substr(dashes);
  size_t eq = body.find('=');
  std::string_view name = body.substr(0, eq);
  bool has_value = eq != std::string_view::npos;
  if (name.empty() || (name.size() <= 2 && dashes == 2)) return 0;
  bool has_next = i + 1 < tokens.size();

  if (name == "Map") {  // a side output: delivered with the program
    if (!plan.map_file.empty()) return 0;
    ArgSlot slot;
    if (has_value) {
      plan.map_file = std::string(body.substr(eq + 1));
      slot = tokens[i].slot;
      slot.offset += dashes + eq + 1;
      slot.length = plan.map_file.size();
    } else {
      if (!has_next) return 0;
      plan.map_file = tokens[i + 1].text;
      slot = tokens[i + 1].slot;
    }
    if (!plain_map_name(plan.map_file)) return 0;
    plan.map_slot = slot;
    return has_value ? 1 : 2;
  }
  Table table = table_of(syntax);
  if (!has_value && in(name, table.flags, table.n_flags)) return 1;
  if (in(name, table.values, table.n_values)) {
    if (has_value) return 1;
    return has_next ? 2 : 0;
  }
  if (has_value && in(name, table.joined, table.n_joined)) {
    // A random build id differs on every run: the cached program would not be what ld writes.
    if (name == "build-id" && body.substr(eq + 1) == "uuid") return 0;
    return 1;
  }
  // A one-letter option with its value joined: -zrelro, -zstack-size=N, -hlibx.so.1. Only these two:
  // other letters begin long options the linkers know (-export-dynamic-symbol-list=FILE is not -e).
  if (dashes == 1 && body.size() > 1 && (body[0] == 'z' || body[0] == 'h') &&
      in(body.substr(0, 1), table.values, table.n_values)) {
    return 1;
  }
  return 0;
}

bool accept_linker_tokens(const std::vector<LinkerToken>& tokens, LinkerSyntax syntax, LinkPlan& plan) {
  for (size_t i = 0; i < tokens.size();) {
    size_t n = accept_linker_option(tokens, i, syntax, plan);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace zccache::tools::link
