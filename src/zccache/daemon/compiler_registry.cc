#include "zccache/daemon/compiler_registry.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include "zccache/base/lines.h"
#include "zccache/base/parallel.h"
#include "zccache/daemon/shared_libraries.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/path.h"
#include "zccache/os/process.h"
#include "zccache/os/file_info.h"
#include "zccache/tools/emscripten/root.h"

namespace zccache::daemon {
namespace {

// Probes run with a fixed environment: the daemon's own one is whatever its first client had
// (DEPENDENCIES_OUTPUT in it would make the probe write a file in the client's directory).
const std::vector<std::string>& probe_env() {
  static const std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  return env;
}

// From `-E -dM` of an empty C file: clang defines __clang__ (and __GNUC__); gcc only __GNUC__.
tools::Family family_from_macros(std::string_view macros) {
  if (macros.find("#define __clang__ ") != std::string_view::npos) return tools::Family::kClang;
  if (macros.find("#define __GNUC__ ") != std::string_view::npos) return tools::Family::kGcc;
  return tools::Family::kUnknown;
}

tools::Family probe_family(const std::string& compiler) {
  auto out = os::run_capture({compiler, "-E", "-dM", "-x", "c", "/dev/null"}, &probe_env());
  if (!out.ok() || out->exit_code != 0) return tools::Family::kUnknown;
  return family_from_macros(out->stdout_data);
}

// Preprocesses __DATE__ with SOURCE_DATE_EPOCH=0: a compiler that honours it prints 1970.
// The source file goes to tmp_dir, not to /tmp, where everyone may create files.
bool probe_source_date_epoch(const std::string& compiler, const std::string& tmp_dir) {
  std::string path = tmp_dir + "/sde-XXXXXX.c";
  int fd = ::mkstemps(path.data(), 2);  // O_EXCL, mode 0600
  if (fd < 0) return false;
  constexpr std::string_view kText = "__DATE__\n";
  bool wrote = ::write(fd, kText.data(), kText.size()) == static_cast<ssize_t>(kText.size());
  ::close(fd);
  std::vector<std::string> env = probe_env();
  env.emplace_back("SOURCE_DATE_EPOCH=0");
  auto out = os::run_capture({compiler, "-E", "-P", path}, &env);
  ::unlink(path.c_str());
  return wrote && out.ok() && out->exit_code == 0 && out->stdout_data.find("\"Jan  1 1970\"") != std::string::npos;
}

using ListedDirs = std::vector<std::pair<std::string, int64_t>>;

// Regular files directly in `dir` whose name passes `keep`, sorted (the identity hashes them in
// order). `dirs` (when given) gets `dir` with its mtime from before the listing: a file added or
// removed later moves it, and the toolchain is looked at afresh.
void list_files(const std::string& dir, bool (*keep)(std::string_view), std::vector<std::string>& out,
                ListedDirs* dirs) {
  if (dirs) {
    auto info = os::stat_path(dir);
    if (info.ok()) dirs->emplace_back(dir, info->mtime_ns);
  }
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> found;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name == "." || name == ".." || !keep(name)) continue;
    std::string path = dir + "/" + std::string(name);
    auto info = os::stat_path(path);
    if (info.ok() && info->is_regular()) found.push_back(std::move(path));
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
}

// Hashes a newly probed toolchain's files on every core, largest first, so that no core is left
// with the largest at the end (a Rust toolchain is 500 MB, two of its libraries 350 MB). The
// identity then finds them known; an error shows there.
void hash_toolchain(fscache::MetadataCache& files, const std::vector<std::string>& paths) {
  std::vector<std::pair<uint64_t, const std::string*>> by_size;
  by_size.reserve(paths.size());
  for (const auto& path : paths) {
    auto info = os::stat_path(path);
    by_size.emplace_back(info.ok() ? info->size : 0, &path);
  }
  std::stable_sort(by_size.begin(), by_size.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for_each_parallel(by_size.size(), [&](size_t i) { (void)files.digest(*by_size[i].second); });
}

// rustc's own libraries and every installed target's standard library: what a compile links
// against or reads crate metadata from, besides the rustc binary.
std::vector<std::string> rust_toolchain_files(const std::string& sysroot, ListedDirs& dirs) {
  std::vector<std::string> files;
  list_files(sysroot + "/lib", [](std::string_view n) { return n.find(".so") != std::string_view::npos; }, files, &dirs);
  std::vector<std::string> targets;
  if (auto info = os::stat_path(sysroot + "/lib/rustlib"); info.ok()) dirs.emplace_back(sysroot + "/lib/rustlib", info->mtime_ns);
  DIR* d = ::opendir((sysroot + "/lib/rustlib").c_str());
  if (d) {
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") targets.emplace_back(name);
    }
    ::closedir(d);
  }
  std::sort(targets.begin(), targets.end());
  for (const auto& t : targets) list_files(sysroot + "/lib/rustlib/" + t + "/lib", [](std::string_view) { return true; }, files, &dirs);
  return files;
}

// Fills the rustc parts of a probe: -vV and the toolchain files. False when rustc does not answer.
bool probe_rustc(const std::string& rustc, std::string& version_text, std::vector<std::string>& files, ListedDirs& dirs) {
  auto vv = os::run_capture({rustc, "-vV"}, &probe_env());
  auto sysroot = os::run_capture({rustc, "--print", "sysroot"}, &probe_env());
  if (!vv.ok() || vv->exit_code != 0 || !sysroot.ok() || sysroot->exit_code != 0) return false;
  std::string root = sysroot->stdout_data;
  while (!root.empty() && (root.back() == '\n' || root.back() == '\r')) root.pop_back();
  if (root.empty()) return false;
  version_text += vv->stdout_data;  // after --version: clippy's own version stays in
  files = rust_toolchain_files(root, dirs);
  return true;
}

bool first_line_has(std::string_view text, std::string_view word) {
  return text.substr(0, text.find('\n')).find(word) != std::string_view::npos;
}

// Every regular file under `dir` (recursively, without __pycache__ and node_modules), and each
// directory visited with its mtime: a file added anywhere changes one of those mtimes.
void list_tree(const std::string& dir, std::vector<std::string>& files, ListedDirs& dirs) {
  auto info = os::stat_path(dir);
  if (!info.ok()) return;
  dirs.emplace_back(dir, info->mtime_ns);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name != "." && name != ".." && name != "__pycache__" && name != "node_modules") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    auto st = os::lstat_path(path);
    if (!st.ok()) continue;
    if (st->is_regular()) files.push_back(path);
    else if (st->is_dir()) list_tree(path, files, dirs);
  }
}

// emcc's Python and JavaScript: the top-level files of the root (emcc.py, em++.py,
// emscripten.py, emscripten-version.txt, ...), tools/ (the driver's modules, the JS optimizer),
// src/ (settings.js, the JS libraries and runtime the link emits) and third_party/. Not the
// cache (the depfile and the linker list what is used from it), tests or docs.
void emscripten_files(const std::string& root, std::vector<std::string>& files, ListedDirs& dirs) {
  auto info = os::stat_path(root);
  if (info.ok()) dirs.emplace_back(root, info->mtime_ns);
  list_files(root, [](std::string_view n) {
    return n.rfind("ChangeLog", 0) != 0 && n.rfind("README", 0) != 0 && n.rfind("LICENSE", 0) != 0 &&
           n.rfind("AUTHORS", 0) != 0 && n != ".emscripten";  // the config is keyed per request
  }, files, nullptr);
  for (const char* sub : {"tools", "src", "third_party"}) list_tree(root + "/" + sub, files, dirs);
}

bool dirs_unchanged(const ListedDirs& dirs) {
  for (const auto& [dir, mtime] : dirs) {
    auto info = os::stat_path(dir);
    if (!info.ok() || info->mtime_ns != mtime) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

SearchDirs parse_search_dirs(std::string_view text) {
  SearchDirs dirs;
  enum { kNone, kQuote, kAngle } section = kNone;
  for_each_line(text, [&](std::string_view line) {
    constexpr std::string_view kMissing = "ignoring nonexistent directory \"";
    if (line.rfind(kMissing, 0) == 0 && line.size() > kMissing.size() + 1 && line.back() == '"') {
      dirs.missing.emplace_back(line.substr(kMissing.size(), line.size() - kMissing.size() - 1));
    } else if (line.rfind("#include \"...\" search starts here:", 0) == 0) {
      section = kQuote;
    } else if (line.rfind("#include <...> search starts here:", 0) == 0) {
      section = kAngle;
    } else if (line.rfind("End of search list.", 0) == 0) {
      section = kNone;
    } else if (section != kNone && !line.empty() && line[0] == ' ') {
      std::string_view dir = trim(line);
      constexpr std::string_view kFramework = " (framework directory)";
      if (dir.size() > kFramework.size() && dir.substr(dir.size() - kFramework.size()) == kFramework) return;
      (section == kQuote ? dirs.quote : dirs.angle).emplace_back(dir);
    }
  });
  return dirs;
}

CompilerRegistry::Resolution CompilerRegistry::resolve(const std::string& invoked_path) {
  watcher::Watcher* watcher = files_.watcher();
  if (watcher) {
    std::lock_guard lock(mutex_);
    auto it = resolved_.find(invoked_path);
    if (it != resolved_.end()) {
      if (it->second.links.unchanged()) return {it->second.real, it->second.info, it->second.binary_digest};
      resolved_.erase(it);
    }
  }
  Resolution out{os::real_path(invoked_path), std::nullopt, {}};
  const std::string& real = out.real;
  if (real.empty() || !watcher) return out;
  std::vector<std::string> dirs;
  if (os::real_path_traced(invoked_path, &dirs) != real) return out;
  dirs.emplace_back(os::dirname_of(real));
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const auto& dir : dirs) {
    if (!watcher->watch(dir)) return out;  // not watched reliably (NFS, ...): resolve every time
  }
  auto links = watcher::GenerationSnapshot::take(*watcher, dirs);
  if (!links) return out;
  // Walked again after the snapshot: a link re-pointed before it shows here, one after it moves
  // a generation.
  std::vector<std::string> again;
  if (os::real_path_traced(invoked_path, &again) != real) return out;
  std::lock_guard lock(mutex_);
  if (resolved_.size() >= kMaxResolved) resolved_.clear();
  resolved_.insert_or_assign(invoked_path, Resolved{real, std::move(*links), std::nullopt, {}});
  return out;
}

void CompilerRegistry::remember_info(const std::string& invoked_path, const CompilerInfo& info,
                                     const hash::Digest& binary_digest) {
  std::lock_guard lock(mutex_);
  auto it = resolved_.find(invoked_path);
  if (it == resolved_.end() || it->second.real != info.real_path) return;
  it->second.info = info;
  it->second.binary_digest = binary_digest;
}

Result<CompilerInfo> CompilerRegistry::info(const std::string& invoked_path) {
  Resolution resolution = resolve(invoked_path);
  const std::string& real = resolution.real;
  if (real.empty()) return make_error(ErrorCode::kNotFound, "compiler not found: " + invoked_path);
  // Before the binary's digest: a saved one spares reading it.
  std::optional<CompilerProbe> saved = resolution.info ? std::nullopt : saved_probe(real);
  auto binary = files_.digest(real);  // a compiler's binary and libraries are never preprocessor input
  if (!binary.ok()) return binary.error();
  if (resolution.info && resolution.binary_digest == *binary) return std::move(*resolution.info);

  CompilerProbe probe;
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    auto it = probes_.find(real);
    if (it != probes_.end() && it->second.binary_digest == *binary) {
      probe = it->second;
      known = true;
    }
  }
  bool from_saved = false;
  if (!known && saved && saved->binary_digest == *binary) {
    probe = std::move(*saved);
    known = from_saved = true;
  }
  if (known && !probe.listed_dirs.empty() && !dirs_unchanged(probe.listed_dirs)) {
    probe = CompilerProbe{};
    known = false;
  }
  const bool fresh = !known;
  if (known) {
    if (from_saved) {  // from now on this daemon's own (a probe it already had is not looked up again)
      std::lock_guard lock(mutex_);
      probes_.try_emplace(real, probe);
    }
  } else {
    auto out = os::run_capture({invoked_path, "--version"}, &probe_env());
    if (!out.ok()) return out.error();
    probe.binary_digest = *binary;
    probe.version_text = out->stdout_data + out->stderr_data;
    probe.clippy = probe.version_text.rfind("clippy ", 0) == 0;
    if (probe.version_text.rfind("rustfmt ", 0) == 0) {
      // rustfmt links its toolchain's librustc_driver, from <toolchain>/lib beside its bin dir.
      probe.family = tools::Family::kRustfmt;
      list_files(std::string(os::dirname_of(real)) + "/../lib",
                 [](std::string_view n) { return n.find(".so") != std::string_view::npos; }, probe.toolchain_files,
                 &probe.listed_dirs);
    } else if (os::basename_of(real).rfind("clang-tidy", 0) == 0 &&
               probe.version_text.find("LLVM version") != std::string::npos) {
      // clang-tidy's --version names only LLVM; its name says which LLVM tool it is. It links
      // libclang-cpp and libLLVM from <llvm>/lib beside its bin dir.
      probe.family = tools::Family::kClangTidy;
      list_files(std::string(os::dirname_of(real)) + "/../lib",
                 [](std::string_view n) {
                   return (n.rfind("libclang-cpp.so", 0) == 0 || n.rfind("libLLVM-", 0) == 0) &&
                          n.find(".so") != std::string_view::npos;
                 },
                 probe.toolchain_files, &probe.listed_dirs);
    } else if (probe.version_text.rfind("include-what-you-use ", 0) == 0) {
      probe.family = tools::Family::kIwyu;
    } else if (probe.version_text.rfind("rustc ", 0) == 0 || probe.clippy) {
      probe.family = probe_rustc(invoked_path, probe.version_text, probe.toolchain_files, probe.listed_dirs)
                         ? tools::Family::kRust
                         : tools::Family::kUnknown;
    } else if (probe.version_text.rfind("emcc (Emscripten", 0) == 0) {
      // emcc is a Python program: the launcher the build runs is a script, the work is in
      // <root>/*.py and the files they read.
      std::string dir(os::dirname_of(real));
      auto launcher = os::read_file(real);
      std::string text = launcher.ok() ? std::move(launcher).value() : std::string();
      probe.emscripten_root = tools::emscripten::emscripten_root(
          dir, text.substr(0, 65536), os::stat_path(dir + "/emcc.py").ok());
      if (!probe.emscripten_root.empty()) {
        probe.family = tools::Family::kEmcc;
        emscripten_files(probe.emscripten_root, probe.toolchain_files, probe.listed_dirs);
      }
    } else if (probe.version_text.rfind("GNU ar ", 0) == 0) {
      probe.family = tools::Family::kAr;
      auto help = os::run_capture({invoked_path, "--help"}, &probe_env());
      probe.deterministic_default =
          help.ok() && help->stdout_data.find("use zero for timestamps and uids/gids (default)") != std::string::npos;
      list_files("/usr/lib/bfd-plugins", [](std::string_view n) { return n.find(".so") != std::string_view::npos; },
                 probe.toolchain_files, &probe.listed_dirs);
    } else if (first_line_has(probe.version_text, "LLD ")) {
      // lld called directly (ld.lld, wasm-ld: one binary, the flavour from its name). Its work is
      // done in libLLVM: the libraries it loads are part of its identity.
      bool complete = false;
      probe.toolchain_files = shared_libraries(real, &complete);
      probe.family = complete ? tools::Family::kLld : tools::Family::kUnknown;
    } else {
      probe.family = probe_family(invoked_path);
      probe.honors_source_date_epoch =
          probe.family != tools::Family::kUnknown && probe_source_date_epoch(invoked_path, tmp_dir_);
    }
    hash_toolchain(files_, probe.toolchain_files);
    std::lock_guard lock(mutex_);
    probes_[real] = probe;
  }
  CompilerInfo info;
  info.family = probe.family;
  info.real_path = real;
  info.honors_source_date_epoch = probe.honors_source_date_epoch;
  info.clippy = probe.clippy;
  info.deterministic_default = probe.deterministic_default;
  info.emscripten_root = probe.emscripten_root;
  hash::Hasher h;
  h.add("compiler-identity-v1").add(invoked_path).add(real).add_digest(probe.binary_digest).add(probe.version_text);
  for (const auto& path : probe.toolchain_files) {
    auto lib = files_.digest(path);
    if (!lib.ok()) {  // an update or uninstall: look at the toolchain afresh next time
      std::lock_guard lock(mutex_);
      probes_.erase(real);
      return make_error(ErrorCode::kNotFound, "toolchain file vanished: " + path);
    }
    h.add(path).add_digest(*lib);
  }
  info.identity = h.finish();
  if (fresh) save(real, probe);
  if (probe.toolchain_files.empty() && probe.listed_dirs.empty()) remember_info(invoked_path, info, probe.binary_digest);
  return info;
}

std::optional<CompilerProbe> CompilerRegistry::saved_probe(const std::string& real) {
  if (!index_) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    if (probes_.count(real) != 0) return std::nullopt;
  }
  auto saved = load_saved_probe(index_, real);
  if (!saved) return std::nullopt;
  // Each digest holds only while its file keeps the signature it was proven under (the metadata
  // cache stats the file before answering it).
  for (const SavedFile& f : saved->files) files_.adopt_digest(f.path, f.info, f.digest);
  return std::move(saved->probe);
}

void CompilerRegistry::save(const std::string& real, const CompilerProbe& probe) {
  // An unknown family may be a probe that failed for a moment: not kept past this daemon.
  if (!index_ || probe.family == tools::Family::kUnknown) return;
  // A listing newer than the racy window may have missed a file added in the same clock tick.
  const int64_t proven_before = os::now_realtime_ns() - fscache::MetadataCache::kRacyWindowNs;
  for (const auto& dir : probe.listed_dirs) {
    if (dir.second > proven_before) return;
  }
  SavedProbe saved{probe, {}};
  auto add = [&](const std::string& path) {
    auto proven = files_.proven_digest(path);  // none: hashed too soon after a change
    if (proven) saved.files.push_back(SavedFile{path, proven->first, proven->second});
    return proven.has_value();
  };
  if (!add(real)) return;
  for (const auto& path : probe.toolchain_files) {
    if (!add(path)) return;
  }
  if (saved.files[0].digest != probe.binary_digest) return;  // replaced since the probe
  save_probe(index_, real, saved);
}

Result<SearchDirs> CompilerRegistry::search_dirs(const std::string& compiler, const CompilerInfo& info,
                                                 const tools::Plan& plan, const std::vector<std::string>& env,
                                                 const std::string& cwd) {
  hash::Hasher h;
  h.add_digest(info.identity).add(cwd).add(plan.language);
  for (const auto& a : plan.probe_args) h.add(a);
  h.add("env");
  for (const auto& e : env) h.add(e);
  hash::Digest key = h.finish();
  {
    std::lock_guard lock(mutex_);
    auto it = search_dirs_.find(key);
    if (it != search_dirs_.end()) return it->second;
  }
  std::vector<std::string> argv{compiler};
  argv.insert(argv.end(), plan.probe_args.begin(), plan.probe_args.end());
  for (const char* a : {"-E", "-v", "-x"}) argv.emplace_back(a);
  argv.push_back(plan.language);
  for (const char* a : {"/dev/null", "-o", "/dev/null"}) argv.emplace_back(a);
  auto out = os::run_capture(argv, &env, cwd);
  if (!out.ok()) return out.error();
  if (out->exit_code != 0) return make_error(ErrorCode::kIo, "include-path probe failed: " + out->stderr_data);
  SearchDirs dirs = parse_search_dirs(out->stderr_data);
  if (dirs.angle.empty()) return make_error(ErrorCode::kIo, "include-path probe printed no search list");
  std::lock_guard lock(mutex_);
  search_dirs_[key] = dirs;
  return dirs;
}

}  // namespace zccache::daemon
