#include "zccache/daemon/rust_key.h"

#include <algorithm>

#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {

// Bump when the key's composition or the stored result format changes: old entries then miss.
constexpr std::string_view kKeySalt = "zccache-rustc-key-v1";

// Outside CARGO_*: RUSTC_BOOTSTRAP unlocks unstable features (changes what compiles and how);
// LD_LIBRARY_PATH can put another librustc_driver under the same rustc binary; SOURCE_DATE_EPOCH
// is read by proc macros that stamp dates. Colour is in the key as color_on (the terminal decides
// it only when stderr is one).
constexpr std::string_view kOtherVars[] = {"RUSTC_BOOTSTRAP", "LD_LIBRARY_PATH", "SOURCE_DATE_EPOCH"};

bool secret_cargo_var(std::string_view name) {
  constexpr std::string_view kRegistries = "CARGO_REGISTRIES_";
  constexpr std::string_view kToken = "_TOKEN";
  return name == "CARGO_REGISTRY_TOKEN" ||
         (name.substr(0, kRegistries.size()) == kRegistries && name.size() > kToken.size() &&
          name.substr(name.size() - kToken.size()) == kToken);
}

}  // namespace

bool rust_key_env(std::string_view name) {
  if (name == "CARGO" || name.substr(0, 7) == "CLIPPY_") return true;  // which cargo: build scripts and proc macros may run it
  if (name.substr(0, 6) == "CARGO_") return name != "CARGO_MAKEFLAGS" && !secret_cargo_var(name);
  return std::find(std::begin(kOtherVars), std::end(kOtherVars), name) != std::end(kOtherVars);
}

hash::Digest rust_request_key(const RustKeyInputs& in) {
  const tools::rustc::RustPlan& plan = *in.plan;
  hash::Hasher h;
  h.add(kKeySalt).add_digest(in.compiler->identity);
  h.add("args").add_u64(plan.key_args.size());
  for (const auto& a : plan.key_args) h.add(a);
  h.add("externs").add_u64(in.extern_digests.size());
  for (const auto& d : in.extern_digests) h.add_digest(d);
  h.add("native").add_u64(in.static_lib_digests.size());
  for (const auto& d : in.static_lib_digests) h.add_digest(d);
  if (!plan.target_json.empty()) h.add("target-json").add_digest(in.target_json_digest);
  if (in.compiler->clippy) h.add("clippy-config").add_digest(in.clippy_config);
  if (plan.cwd_matters) h.add("cwd").add(in.cwd);
  // The variables in name order, so that the order of the environment does not matter.
  std::vector<std::string_view> vars;
  for (const auto& e : *in.env) {
    std::string_view name = std::string_view(e).substr(0, e.find('='));
    if (rust_key_env(name)) vars.push_back(e);
  }
  std::sort(vars.begin(), vars.end());
  h.add("env").add_u64(vars.size());
  for (auto v : vars) h.add(v);
  h.add("color").add_u64(in.color_on);
  return h.finish();
}

}  // namespace zccache::daemon
