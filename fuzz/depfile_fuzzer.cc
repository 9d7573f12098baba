// libFuzzer target for depfile parsing and rendering. The daemon parses every depfile a miss
// writes (its deps become the include set) and re-renders a stored depfile for another object
// name, so both must survive any bytes and agree with each other.
//
// Input: the depfile text. Properties checked (abort on failure):
//  - parse_depfile never crashes; a parsed depfile has targets, one unescaped path per dep
//    and an input_index inside deps;
//  - re-rendering (the daemon's delivery of a cached depfile under another object name): when
//    rendering the parsed file reproduces the text for a family (the check the daemon makes
//    before it ever re-renders), rendering it with another quoted target parses back to that
//    target and to exactly the same deps, phony flag and input;
//  - unescape_depfile_name and quote_target accept any name; quoting then unescaping a name
//    without backslashes gives the name back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/depfile.h"
#include "zccache/tools/plan.h"

namespace {

using zccache::tools::Depfile;
using zccache::tools::Family;
using zccache::tools::parse_depfile;
using zccache::tools::quote_target;
using zccache::tools::render_depfile;
using zccache::tools::unescape_depfile_name;

void check_retarget(const Depfile& parsed, Family family, std::string_view new_object) {
  const std::vector<std::string> targets = {quote_target(family, new_object)};
  const std::string text =
      render_depfile(family, targets, parsed.deps, parsed.phony_targets, parsed.input_index);
  std::optional<Depfile> again = parse_depfile(text);
  if (!again) std::abort();
  if (again->targets != targets) std::abort();
  if (again->deps != parsed.deps || again->dep_paths != parsed.dep_paths) std::abort();
  if (again->phony_targets != parsed.phony_targets) std::abort();
  if (parsed.phony_targets && again->input_index != parsed.input_index) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::optional<Depfile> parsed = parse_depfile(text);
  if (parsed) {
    if (parsed->targets.empty()) std::abort();
    if (parsed->dep_paths.size() != parsed->deps.size()) std::abort();
    if (!parsed->deps.empty() && parsed->input_index >= parsed->deps.size()) std::abort();
    for (Family family : {Family::kGcc, Family::kClang}) {
      const std::string rendered = render_depfile(family, parsed->targets, parsed->deps,
                                                  parsed->phony_targets, parsed->input_index);
      if (rendered != text) continue;
      check_retarget(*parsed, family, "out/renamed object.o");
      check_retarget(*parsed, family, "o");
    }
  }

  // The input as one name.
  (void)unescape_depfile_name(text);
  for (Family family : {Family::kGcc, Family::kClang}) {
    const std::string quoted = quote_target(family, text);
    if (text.find('\\') == std::string_view::npos && text.find("./") != 0 &&
        unescape_depfile_name(quoted) != text) {
      std::abort();
    }
  }
  return 0;
}
