// libFuzzer target for argv classification: zccache::tools::gcc_clang::make_plan, the daemon's
// parser of every compile's argv (and of the response files it names).
//
// Input: byte 0 picks the family (unknown, gcc, clang), byte 1 the working directory and whether
// the environment asks for an extra depfile; the rest is split at NUL into arguments. An argument
// that starts with "\x01" is not an argument but a file: "\x01<name>\x01<content>", readable as
// "@<name>" (relative to the cwd) or by its absolute path, so nested response files come from the
// input.
// Properties checked (abort on failure): the plan is deterministic, names the given family, and a
// cacheable plan is consistent: it has a source and an object, a requested depfile has a path and
// targets, key_args is a subsequence of args and probe_args one of key_args, extra outputs are
// named; with several sources, each unit is such a plan of args without the other sources, found
// at its unit_arg_indexes entry, with an object name of its own.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/testing/fake_file_reader.h"
#include "zccache/tools/gcc_clang/parse.h"
#include "zccache/tools/plan.h"

namespace {

using zccache::tools::Family;
using zccache::tools::Passthrough;
using zccache::tools::Plan;

constexpr std::string_view kCwds[] = {"/work/proj", "/", "/work/proj/", "/work"};

bool is_subsequence(const std::vector<std::string>& sub, const std::vector<std::string>& of) {
  size_t j = 0;
  for (const std::string& s : sub) {
    while (j < of.size() && of[j] != s) ++j;
    if (j == of.size()) return false;
    ++j;
  }
  return true;
}

bool same_plan(const Plan& a, const Plan& b) {
  return a.passthrough == b.passthrough && a.family == b.family && a.args == b.args &&
         a.source == b.source && a.language == b.language && a.object == b.object &&
         a.depfile.requested == b.depfile.requested && a.depfile.path == b.depfile.path &&
         a.depfile.targets == b.depfile.targets && a.depfile.phony_targets == b.depfile.phony_targets &&
         a.depfile.system_headers == b.depfile.system_headers && a.extra_outputs == b.extra_outputs &&
         a.key_args == b.key_args && a.cwd_matters == b.cwd_matters &&
         a.color_explicit == b.color_explicit && a.probe_args == b.probe_args &&
         a.unit_arg_indexes == b.unit_arg_indexes && a.units.size() == b.units.size() &&
         std::equal(a.units.begin(), a.units.end(), b.units.begin(), same_plan);
}

void check_cacheable(const Plan& plan);

// Several sources: every unit is a cacheable single-source plan of the same arguments without the
// other sources; unit_arg_indexes point at the sources, in order; object names do not repeat.
void check_units(const Plan& plan) {
  if (plan.units.size() < 2 || plan.unit_arg_indexes.size() != plan.units.size()) std::abort();
  std::set<std::string> objects;
  for (size_t i = 0; i < plan.units.size(); ++i) {
    const Plan& unit = plan.units[i];
    uint32_t at = plan.unit_arg_indexes[i];
    if (at >= plan.args.size() || plan.args[at] != unit.source) std::abort();
    if (i > 0 && at <= plan.unit_arg_indexes[i - 1]) std::abort();
    if (!unit.units.empty() || unit.passthrough != Passthrough::kNone) std::abort();
    if (!is_subsequence(unit.args, plan.args) || unit.args.size() != plan.args.size() - plan.units.size() + 1) {
      std::abort();
    }
    if (!objects.insert(unit.object).second) std::abort();
    check_cacheable(unit);
  }
}

void check_cacheable(const Plan& plan) {
  if (!plan.units.empty()) return check_units(plan);
  if (plan.source.empty() || plan.object.empty() || plan.language.empty()) std::abort();
  if (plan.depfile.requested && (plan.depfile.path.empty() || plan.depfile.targets.empty())) {
    std::abort();
  }
  if (!is_subsequence(plan.key_args, plan.args)) std::abort();
  if (!is_subsequence(plan.probe_args, plan.key_args)) std::abort();
  for (const std::string& output : plan.extra_outputs) {
    if (output.empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Family family = static_cast<Family>(data[0] % 3);
  const std::string cwd(kCwds[data[1] % 4]);
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C"};
  if ((data[1] & 4) != 0) env.push_back("DEPENDENCIES_OUTPUT=x.d");

  zccache::testing::FakeFileReader reader;
  std::vector<std::string> args;
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view token = input.substr(start, end - start);
    start = end + 1;
    if (token.starts_with('\x01')) {
      token.remove_prefix(1);
      size_t sep = token.find('\x01');
      std::string name(token.substr(0, sep));
      std::string content(sep == std::string_view::npos ? "" : token.substr(sep + 1));
      if (!name.empty() && name[0] != '/') name = cwd + (cwd.ends_with('/') ? "" : "/") + name;
      reader.add(name, std::move(content));
      continue;
    }
    args.emplace_back(token);
  }

  const Plan plan = zccache::tools::gcc_clang::make_plan(family, args, cwd, env, reader);
  if (plan.family != family) std::abort();
  if (family == Family::kUnknown && plan.passthrough != Passthrough::kUnknownCompiler) std::abort();
  if (plan.passthrough == Passthrough::kNone) check_cacheable(plan);
  if (!same_plan(plan, zccache::tools::gcc_clang::make_plan(family, args, cwd, env, reader))) {
    std::abort();
  }
  return 0;
}
