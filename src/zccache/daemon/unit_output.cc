#include "zccache/daemon/unit_output.h"

#include <cctype>

#include "zccache/protocol/unit_marker.h"

namespace zccache::daemon {
namespace {

// The line without ANSI colour sequences (ESC [ ... letter), as clang writes them on terminals.
std::string plain(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
      i += 2;
      while (i < line.size() && !std::isalpha(static_cast<unsigned char>(line[i]))) ++i;
      continue;
    }
    out += line[i];
  }
  return out;
}

// "N warning(s) generated." -> N; nullopt for any other line (errors fail the compile, which is
// never stored, so "and M errors" needs no parsing).
std::optional<size_t> warnings_summary(std::string_view line) {
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  std::string_view rest = line.substr(digits);
  if (rest != " warning generated." && rest != " warnings generated.") return std::nullopt;
  return static_cast<size_t>(std::stoul(std::string(line.substr(0, digits))));
}

bool names_source(std::string_view first_line, const std::string& source) {
  constexpr std::string_view kIncluded = "In file included from ";
  if (first_line.starts_with(kIncluded)) first_line.remove_prefix(kIncluded.size());
  return first_line.size() > source.size() && first_line.starts_with(source) && first_line[source.size()] == ':';
}

std::optional<std::vector<std::string>> split_clang(std::string_view err, const std::vector<std::string>& sources) {
  std::vector<std::string> parts(sources.size());
  size_t next_source = 0;
  std::string chunk;
  std::string first_line;
  size_t warnings = 0;
  size_t pos = 0;
  while (pos < err.size()) {
    size_t end = err.find('\n', pos);
    if (end == std::string_view::npos) return std::nullopt;  // a part always ends with a line
    std::string_view raw = err.substr(pos, end + 1 - pos);
    pos = end + 1;
    std::string line = plain(raw.substr(0, raw.size() - 1));
    if (line.find(": remark: ") != std::string::npos) return std::nullopt;
    if (chunk.empty()) first_line = line;
    chunk += raw;
    if (line.find(": warning: ") != std::string::npos) ++warnings;
    std::optional<size_t> summary = warnings_summary(line);
    if (!summary) continue;
    if (*summary != warnings) return std::nullopt;
    while (next_source < sources.size() && !names_source(first_line, sources[next_source])) ++next_source;
    if (next_source == sources.size()) return std::nullopt;
    parts[next_source++] = std::move(chunk);
    chunk.clear();
    warnings = 0;
  }
  if (!chunk.empty()) return std::nullopt;  // lines that no summary closed
  return parts;
}

}  // namespace

std::optional<std::vector<std::string>> split_unit_stderr(tools::Family family, std::string_view err,
                                                          const std::vector<std::string>& sources) {
  if (protocol::strip_unit_markers(err).empty()) return std::vector<std::string>(sources.size());
  // emcc runs clang once per source.
  if (family == tools::Family::kClang || family == tools::Family::kEmcc) return split_clang(err, sources);
  // gcc: the text before the first marker, then one part per compiler proper, in source order.
  std::vector<std::string> parts;
  size_t pos = 0;
  for (size_t at; (at = err.find(protocol::kUnitMarker, pos)) != std::string_view::npos;
       pos = at + protocol::kUnitMarker.size()) {
    parts.emplace_back(err.substr(pos, at - pos));
  }
  parts.emplace_back(err.substr(pos));
  if (parts.size() != sources.size() + 1 || !parts.front().empty()) return std::nullopt;
  parts.erase(parts.begin());
  return parts;
}

}  // namespace zccache::daemon
