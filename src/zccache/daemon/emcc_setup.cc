#include "zccache/daemon/emcc_setup.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "zccache/daemon/link_support.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/tools/emscripten/config.h"

namespace zccache::daemon {
namespace {

namespace em = tools::emscripten;

// os.path.expanduser for "~" and "~/...".
std::string expand_user(const std::string& path, const std::vector<std::string>& env) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  const char* home = find_env(env, "HOME");
  return std::string(home ? home : "") + path.substr(1);
}

bool exists(const std::string& path) { return os::stat_path(path).ok(); }

// tools/config.py's search; "" when no file is found (emcc then fails).
std::string config_path(const protocol::CompileRequest& req, const em::EmccPlan& plan, const std::string& root) {
  if (!plan.config_file.empty()) return os::absolute_from(req.cwd, expand_user(plan.config_file, req.env));
  if (const char* em_config = find_env(req.env, "EM_CONFIG")) {
    return os::absolute_from(req.cwd, expand_user(em_config, req.env));
  }
  std::string embedded = root + "/.emscripten";
  if (exists(embedded)) return embedded;
  std::string emsdk = std::string(os::dirname_of(os::dirname_of(root))) + "/.emscripten";
  if (exists(emsdk)) return emsdk;
  std::string home = expand_user("~/.emscripten", req.env);
  if (exists(home)) return home;
  return {};
}

// Parsed configs by content digest: the hit path reads no config file.
std::optional<em::Config> parsed_config(const std::string& path, const hash::Digest& digest) {
  static std::mutex mutex;
  static std::map<hash::Digest, std::optional<em::Config>> memo;  // GUARDED_BY(mutex)
  {
    std::lock_guard lock(mutex);
    auto it = memo.find(digest);
    if (it != memo.end()) return it->second;
  }
  auto text = os::read_file(path);
  if (!text.ok() || hash::hash_bytes(*text) != digest) return std::nullopt;  // changed meanwhile: next time
  auto config = em::parse_static_config(*text);
  std::lock_guard lock(mutex);
  memo[digest] = config;
  return config;
}

std::string setting(const em::Config& config, std::string_view key) {
  auto it = config.find(key);
  if (it == config.end()) return {};
  if (it->second.kind == em::ConfigValue::Kind::kNumber) return it->second.text;
  return it->second.first();
}

// A program by path and content (or its absence).
void hash_program(hash::Hasher& h, const std::string& path, fscache::MetadataCache& files) {
  std::string real = path.empty() ? std::string() : os::real_path(path);
  h.add(path);
  auto facts = real.empty() ? Result<fscache::FileFacts>(make_error(ErrorCode::kNotFound, "absent")) : files.facts(real);
  if (facts.ok()) h.add(real).add_digest(facts->digest);
  else h.add("absent");
}

}  // namespace

EmccSetup emcc_setup(const protocol::CompileRequest& req, const CompilerInfo& compiler, const em::EmccPlan& plan,
                     fscache::MetadataCache& files) {
  EmccSetup setup;
  const std::string& root = compiler.emscripten_root;
  hash::Hasher h;
  h.add("zccache-emcc-setup-v1").add_digest(compiler.identity);

  std::string config_file = config_path(req, plan, root);
  auto config_facts = config_file.empty() ? Result<fscache::FileFacts>(make_error(ErrorCode::kNotFound, "no config"))
                                          : files.facts(config_file);
  std::optional<em::Config> config;
  if (config_facts.ok()) config = parsed_config(config_file, config_facts->digest);
  if (!config) {
    setup.passthrough = tools::Passthrough::kEmccConfig;
    return setup;
  }
  em::apply_env_overrides(*config, req.env);
  auto wrapper = config->find("COMPILER_WRAPPER");
  std::string llvm_root = expand_user(setting(*config, "LLVM_ROOT"), req.env);
  std::string binaryen_root = expand_user(setting(*config, "BINARYEN_ROOT"), req.env);
  setup.node = setting(*config, "NODE_JS");
  if ((wrapper != config->end() && wrapper->second.truthy()) || llvm_root.empty() || binaryen_root.empty() ||
      setup.node.empty()) {
    setup.passthrough = tools::Passthrough::kEmccConfig;
    return setup;
  }
  h.add("config").add(config_file).add_digest(config_facts->digest);

  // tools/shared.py: build_clang_tool_path / build_llvm_tool_path; an unset version comes from
  // the variable of the same name (keyed below with the environment).
  auto version = [&](std::string_view key) {
    std::string v = setting(*config, key);
    if (v.empty()) {
      if (const char* e = find_env(req.env, key)) v = e;
    }
    return v.empty() ? std::string() : "-" + v;
  };
  std::string clang_suffix = version("CLANG_ADD_VERSION");
  std::string llvm_suffix = version("LLVM_ADD_VERSION");
  h.add("tools");
  for (const char* tool : {"clang", "clang++"}) hash_program(h, os::join_path(llvm_root, tool + clang_suffix), files);
  for (const char* tool : {"wasm-ld", "llvm-ar", "llvm-nm", "llvm-ranlib", "llvm-objcopy", "llvm-dwarfdump"}) {
    hash_program(h, os::join_path(llvm_root, tool + llvm_suffix), files);
  }
  for (const char* tool : {"wasm-opt", "wasm-emscripten-finalize", "wasm-metadce", "wasm2js", "wasm-split",
                           "wasm-ctor-eval"}) {
    hash_program(h, binaryen_root + "/bin/" + tool, files);
  }
  hash_program(h, link_support::resolve_program(expand_user(setup.node, req.env), req.env), files);
  const char* python = find_env(req.env, "EMSDK_PYTHON");
  hash_program(h, link_support::resolve_program(python && *python ? python : "python3", req.env), files);

  // tools/config.py normalize_config_settings, after --cache (emcc.py parse_args).
  std::string cache = setting(*config, "CACHE");
  if (!plan.cache_dir.empty()) cache = os::absolute_from(req.cwd, expand_user(plan.cache_dir, req.env));
  else if (!cache.empty()) cache = os::absolute_from(req.cwd, expand_user(cache, req.env));
  else if (auto frozen = config->find("FROZEN_CACHE"); frozen != config->end() && frozen->second.truthy())
    cache = root + "/cache";
  else cache = expand_user("~/.emscripten_cache", req.env);
  setup.cache_dir = cache;
  h.add("cache").add(cache);

  std::vector<std::string> env;
  for (const std::string& e : req.env) {
    if (em::keyed_env_name(std::string_view(e).substr(0, e.find('=')))) env.push_back(e);
  }
  std::sort(env.begin(), env.end());
  h.add("env").add_u64(env.size());
  for (const auto& e : env) h.add(e);
  setup.identity = h.finish();
  return setup;
}

}  // namespace zccache::daemon
