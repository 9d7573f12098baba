#include "zccache/daemon/request_key.h"

#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {
// Bump when the key's composition or the stored result format changes: old entries then miss.
// v2: include sets record the search path's nonexistent directories (a header appearing there).
constexpr std::string_view kKeySalt = "zccache-cc-key-v2";
}  // namespace

const char* find_env(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& e : env) {
    if (e.size() > name.size() && e[name.size()] == '=' && std::string_view(e).substr(0, name.size()) == name)
      return e.c_str() + name.size() + 1;
  }
  return nullptr;
}

hash::Digest request_key(const KeyInputs& in) {
  const tools::Plan& plan = *in.plan;
  hash::Hasher h;
  h.add(kKeySalt);
  h.add_digest(in.compiler->identity);
  h.add_u64(static_cast<uint64_t>(plan.family));
  h.add("args").add_u64(plan.key_args.size());
  for (const auto& a : plan.key_args) h.add(a);
  h.add("source").add(plan.source).add_digest(in.source_digest).add(plan.language);
  // The working directory reaches the output through debug info; PWD too, because gcc prefers
  // $PWD over getcwd() for DW_AT_comp_dir when both name the same directory.
  if (plan.cwd_matters) {
    const char* pwd = find_env(*in.env, "PWD");
    h.add("cwd").add(in.cwd).add(pwd ? pwd : "\x01unset");
  }
  h.add("env");
  for (const char* name : kKeyEnvVars) {
    const char* value = find_env(*in.env, name);
    h.add(name).add(value ? value : "\x01unset");
  }
  h.add("color").add_u64(in.color_on);
  // The stored result holds the user's depfile, whose content depends on these (its target name
  // does not: it is re-rendered on delivery).
  const tools::DepfileSpec& dep = plan.depfile;
  h.add("depfile").add_u64(dep.requested).add_u64(dep.system_headers).add_u64(dep.phony_targets);
  // Extra outputs (.dwo) are named after the object, and the object names them: key on the name.
  h.add("extra").add_u64(plan.extra_outputs.size());
  if (!plan.extra_outputs.empty()) {
    h.add(plan.object);
    for (const auto& o : plan.extra_outputs) h.add(o);
  }
  return h.finish();
}

hash::Digest result_key(const hash::Digest& request_key, const std::vector<store::FileDigest>& files,
                        const std::vector<store::EnvDigest>& env) {
  hash::Hasher h;
  h.add("result").add_digest(request_key).add_u64(files.size());
  for (const auto& f : files) h.add(f.path).add_digest(f.digest);
  // Only when there is an environment, so that C/C++ result keys stay what they were.
  if (!env.empty()) h.add("env").add_u64(env.size());
  for (const auto& e : env) h.add(e.name).add_digest(e.digest);
  return h.finish();
}

}  // namespace zccache::daemon
