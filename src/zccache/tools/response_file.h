// Response-file (@file) expansion as gcc's libiberty expandargv and clang's GNU tokenizer do it:
// whitespace separates arguments, '...' and "..." quote, a backslash escapes the next character
// (also inside quotes); nested @files are expanded recursively. An @file that cannot be read stays
// as a literal argument, as gcc leaves it.
//
// gcc 12 and clang 14 differ only at the edges (checked against both binaries):
//   - empty quotes ('' or "") as a whole argument: gcc keeps an empty argument, clang drops it;
//   - a lone backslash at the very end of the file: gcc drops it, clang keeps it;
//   - '\v' and '\f': separators for gcc (ISSPACE), ordinary characters for clang;
//   - a UTF-8 byte-order mark at the start: clang skips it, gcc keeps it in the first argument.
// Hence the Family parameter. Everything else (quotes inside words, backslash-newline kept as a
// newline, CRLF) is the same in both.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/file_reader.h"
#include "zccache/tools/plan.h"

namespace zccache::tools {

// Splits a response file's content into arguments, as `family`'s driver does.
std::vector<std::string> tokenize_response_file(std::string_view content,
                                                Family family = Family::kGcc);

// Expands every @file in args. Relative @file paths resolve against cwd (gcc and clang 14 both
// resolve nested names against the working directory, not against the including file's
// directory). Returns nullopt when nesting exceeds kMaxResponseDepth (a cycle) or more than
// kMaxResponseFiles @files are read, so that the caller passes the invocation through. An
// unreadable @file stays in the result verbatim.
// kMaxResponseFiles bounds the work: without it, 30 files that each name the next one twice expand
// to 2^30 arguments (found with the response_file fuzzer). gcc stops at the same count ("too many
// @-files encountered", libiberty expandargv), so such a compile fails bare too.
inline constexpr int kMaxResponseDepth = 32;
inline constexpr int kMaxResponseFiles = 2000;
std::optional<std::vector<std::string>> expand_response_files(const std::vector<std::string>& args,
                                                              std::string_view cwd, FileReader& reader,
                                                              Family family = Family::kGcc);

}  // namespace zccache::tools
