#include "zccache/daemon/link_support.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "zccache/daemon/link_verify.h"
#include "zccache/daemon/output_paths.h"
#include "zccache/daemon/request_key.h"
#include "zccache/daemon/shared_libraries.h"
#include "zccache/os/path.h"

namespace zccache::daemon::link_support {
namespace {

// Variables that change what the driver or the linker does: searched dirs, run paths, messages.
constexpr std::string_view kKeyEnv[] = {"LIBRARY_PATH", "LD_RUN_PATH", "LD_LIBRARY_PATH", "SOURCE_DATE_EPOCH", "LANG",
                                        "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "GCC_COMPARE_DEBUG"};
// Variables that add search paths or programs we do not model.
constexpr std::string_view kUnmodelledEnv[] = {"GCC_EXEC_PREFIX", "COMPILER_PATH", "DEPENDENCIES_OUTPUT",
                                               "SUNPRO_DEPENDENCIES"};

}  // namespace

std::string normal_dir(const std::string& cwd, std::string_view dir) {
  std::string s = std::filesystem::path(os::absolute_from(cwd, dir)).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string resolve_program(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return os::real_path(name);
  const char* path = find_env(env, "PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (true) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = os::join_path(dir.empty() ? "." : dir, name);
    if (::access(candidate.c_str(), X_OK) == 0) return os::real_path(candidate);
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

void hash_link_request(hash::Hasher& h, const std::string& cwd, const std::vector<std::string>& args,
                       const std::vector<std::string>& env) {
  h.add(cwd).add("args").add_u64(args.size());
  for (const auto& a : args) h.add(a);
  h.add("env");
  for (std::string_view name : kKeyEnv) {
    const char* v = find_env(env, name);
    h.add(name).add(v ? "1" : "0").add(v ? v : "");
  }
}

bool unmodelled_env(const std::vector<std::string>& env) {
  return std::any_of(std::begin(kUnmodelledEnv), std::end(kUnmodelledEnv),
                     [&](std::string_view name) { return find_env(env, name) != nullptr; });
}

std::unique_ptr<LinkMiss> new_link_miss(const tools::link::LinkPlan& plan, const std::string& cwd) {
  auto link = std::make_unique<LinkMiss>();
  link->output = os::absolute_from(cwd, plan.output);
  if (!plan.map_file.empty()) link->map = os::absolute_from(cwd, plan.map_file);
  if (!writable_output(link->output) || (!link->map.empty() && !writable_output(link->map))) return nullptr;
  return link;
}

Result<hash::Digest> linker_identity(const std::string& path, fscache::MetadataCache& files) {
  static std::mutex mutex;
  static std::map<hash::Digest, std::vector<std::string>> libraries;  // GUARDED_BY(mutex): by binary content
  auto binary = files.digest(path);  // binaries: never preprocessor input
  if (!binary.ok()) return binary.error();
  std::vector<std::string> libs;
  bool known = false;
  {
    std::lock_guard lock(mutex);
    auto it = libraries.find(*binary);
    if (it != libraries.end()) {
      libs = it->second;
      known = true;
    }
  }
  if (!known) {
    bool complete = false;
    libs = shared_libraries(path, &complete);
    if (!complete) return make_error(ErrorCode::kNotFound, "cannot list the libraries of " + path);
    std::lock_guard lock(mutex);
    libraries[*binary] = libs;
  }
  hash::Hasher h;
  h.add("linker-identity-v1").add(path).add_digest(*binary).add_u64(libs.size());
  for (const auto& lib : libs) {
    auto digest = files.digest(lib);
    if (!digest.ok()) {  // an upgrade moved it: list again next time
      std::lock_guard lock(mutex);
      libraries.erase(*binary);
      return digest.error();
    }
    h.add(lib).add_digest(*digest);
  }
  return h.finish();
}

Result<bool> deliver_link(const store::ResultEntry& entry, const std::string& output, const std::string& map,
                          uint32_t umask, store::ArtifactStore& artifacts) {
  const store::StoredOutput* program = nullptr;
  const store::StoredOutput* map_out = nullptr;
  for (const auto& out : entry.outputs) (out.role == kLinkRoleMap ? map_out : program) = &out;
  if (!program || entry.outputs.size() != (map.empty() ? 1u : 2u) || (map.empty() != (map_out == nullptr)))
    return make_error(ErrorCode::kCorrupt, "link result with other outputs than asked for");
  if (!writable_output(output) || (!map.empty() && !writable_output(map))) return false;
  mode_t mode = (program->role == kLinkRoleExecutable ? 0777 : 0666) & ~static_cast<mode_t>(umask);
  ZCCACHE_TRY(artifacts.deliver(program->blob, output, mode));
  if (map_out) ZCCACHE_TRY(artifacts.deliver(map_out->blob, map, 0666 & ~static_cast<mode_t>(umask)));
  return true;
}

tools::Plan journal_plan(tools::Family family, const std::vector<std::string>& args, const std::string& first_input,
                         const std::string& output) {
  tools::Plan plan;
  plan.family = family;
  plan.args = args;
  plan.source = first_input;
  plan.object = output;
  return plan;
}

void add_library_shadows(const std::string& abs_path, const std::vector<std::string>& search, size_t user_dirs,
                         std::map<std::string, std::set<std::string>>& shadows) {
  std::string_view name = os::basename_of(abs_path);
  if (name.substr(0, 3) != "lib") return;
  std::string stem;
  bool is_archive = false;
  if (name.size() > 3 && name.substr(name.size() - 3) == ".so") {
    stem = std::string(name.substr(0, name.size() - 3));
  } else if (name.size() > 2 && name.substr(name.size() - 2) == ".a") {
    stem = std::string(name.substr(0, name.size() - 2));
    is_archive = true;
  } else {
    return;
  }
  std::string dir(os::dirname_of(abs_path));
  auto found = std::find(search.begin(), search.end(), dir);
  size_t index = found == search.end() ? user_dirs : static_cast<size_t>(found - search.begin());
  for (size_t j = 0; j < index && j < search.size(); ++j) {
    shadows[search[j]].insert(stem + ".so");
    shadows[search[j]].insert(stem + ".a");
  }
  if (is_archive && found != search.end()) shadows[dir].insert(stem + ".so");
}

}  // namespace zccache::daemon::link_support
