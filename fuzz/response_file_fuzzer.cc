// libFuzzer target for response-file (@file) tokenizing and expansion, which reads files the build
// wrote and runs in the daemon on every compile that names one.
//
// Input: sections separated by NUL. Section 0 is the command line, one argument per line; section
// i >= 1 is the content of the file "/p/f<i>" (reachable as "@f<i>" from cwd "/p" or as
// "@/p/f<i>"), so nested and cyclic @files come from the input itself. The first byte of section 0
// picks the family (gcc or clang rules).
// Properties checked (abort on failure):
//  - every argument left as "@name" after a successful expansion names an unreadable file;
//  - an argv without '@' expands to itself;
//  - tokenizing, escaping every character of every token and tokenizing again gives the same
//    tokens (what the file said is what the compiler is told).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/plan.h"
#include "zccache/tools/response_file.h"

namespace {

using zccache::tools::Family;

constexpr std::string_view kCwd = "/p";

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// Writes tokens back as a response file in which every character is backslash-escaped: both
// drivers read "\c" as c, everywhere. gcc spells an empty argument '' (clang never yields one).
std::string escape_all(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& token : tokens) {
    if (token.empty()) out += "''";
    for (char c : token) {
      out += '\\';
      out += c;
    }
    out += ' ';
  }
  return out;
}

void check_tokenize_round_trip(std::string_view content, Family family) {
  std::vector<std::string> tokens = zccache::tools::tokenize_response_file(content, family);
  if (zccache::tools::tokenize_response_file(escape_all(tokens), family) != tokens) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Family family = (data[0] & 1) != 0 ? Family::kClang : Family::kGcc;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> sections = split(input, '\0');

  zccache::testing::FakeFileReader reader;
  for (size_t i = 1; i < sections.size(); ++i) {
    reader.add(std::string(kCwd) + "/f" + std::to_string(i), std::string(sections[i]));
    check_tokenize_round_trip(sections[i], family);
  }
  std::vector<std::string> args;
  bool any_at = false;
  for (std::string_view arg : split(sections[0], '\n')) {
    args.emplace_back(arg);
    if (arg.find('@') != std::string_view::npos) any_at = true;
  }

  std::optional<std::vector<std::string>> expanded =
      zccache::tools::expand_response_files(args, kCwd, reader, family);
  if (!any_at && (!expanded || *expanded != args)) std::abort();
  if (!expanded) return 0;
  for (const std::string& arg : *expanded) {
    if (arg.size() < 2 || arg[0] != '@') continue;
    std::string path = arg.substr(1);
    if (path[0] != '/') path = std::string(kCwd) + "/" + path;
    if (reader.read(path)) std::abort();
  }
  return 0;
}
