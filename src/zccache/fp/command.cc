#include "zccache/fp/command.h"

#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zccache/fp/daemon_scan.h"
#include "zccache/fp/file_set.h"
#include "zccache/fp/fingerprint.h"
#include "zccache/fp/fp_state.h"
#include "zccache/os/atomic_file.h"
#include "zccache/os/file_info.h"

namespace zccache::fp {
namespace {

constexpr const char* kUsage =
    "usage: zccache-fp --cache-file F check|mark-success|mark-failure [--root DIR] [--include GLOB]... "
    "[--exclude GLOB]... [--no-daemon] [--verbose]";

struct Options {
  std::string cache_file;
  std::string command;
  std::string root = ".";
  std::vector<std::string> includes;
  std::vector<std::string> excludes;
  bool verbose = false;
  bool no_daemon = false;
};

// Exit code 2 with one line.
int fail(const std::string& message) {
  std::fprintf(stderr, "zccache-fp: %s\n", message.c_str());
  return 2;
}

// Options in any order; `--name VALUE` or `--name=VALUE`. An error message, or empty.
std::string parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string_view name = a, value;
    bool inline_value = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string_view::npos) {
      name = a.substr(0, a.find('='));
      value = a.substr(a.find('=') + 1);
      inline_value = true;
    }
    auto take = [&](std::string& into) -> std::string {
      if (!inline_value) {
        if (i + 1 >= argc) return std::string(name) + " needs a value";
        value = argv[++i];
      }
      into = std::string(value);
      return {};
    };
    std::string err;
    if (name == "--cache-file") {
      err = take(o.cache_file);
    } else if (name == "--root") {
      err = take(o.root);
    } else if (name == "--include") {
      err = take(o.includes.emplace_back());
    } else if (name == "--exclude") {
      err = take(o.excludes.emplace_back());
    } else if (a == "--verbose") {
      o.verbose = true;
    } else if (a == "--no-daemon") {
      o.no_daemon = true;
    } else if (a == "check" || a == "mark-success" || a == "mark-failure") {
      if (!o.command.empty()) return "more than one command: " + o.command + " and " + std::string(a);
      o.command = a;
    } else {
      return "unknown argument '" + std::string(a) + "'";
    }
    if (!err.empty()) return err;
  }
  if (o.cache_file.empty()) return "--cache-file is required";
  if (o.command.empty()) return "missing command (check, mark-success or mark-failure)";
  if (o.root.empty()) return "--root is empty";
  return {};
}

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

// The cache file's path relative to root when it lies below it (so the walk skips it), else "".
std::string cache_file_below(const std::string& root, const std::string& cache_file) {
  size_t slash = cache_file.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : cache_file.substr(0, slash));
  std::string name = slash == std::string::npos ? cache_file : cache_file.substr(slash + 1);
  auto real_dir = real_path(dir);
  if (!real_dir) return {};
  std::string full = (*real_dir == "/" ? "" : *real_dir) + "/" + name;
  if (full.size() <= root.size() + 1 || full.compare(0, root.size(), root) != 0 || full[root.size()] != '/') return {};
  return full.substr(root.size() + 1);
}

// Brings `records` (those of the last scan of spec.root, or none) up to date: from the running
// daemon when there is one (daemon_scan.h), else by a local walk. Returns whether they changed.
// `without_daemon`: why not the daemon (empty when it answered), for --verbose and ZCCACHE_DEBUG.
Result<bool> refresh(const FileSetSpec& spec, std::vector<FileRecord>& records, bool no_daemon, ScanStats& stats,
                     std::string& without_daemon) {
  const int64_t start = os::now_realtime_ns();
  std::optional<std::vector<ScannedFile>> scanned;
  const char* env = std::getenv("ZCCACHE_FP_NO_DAEMON");
  if (no_daemon) {
    without_daemon = "--no-daemon";
  } else if (env && *env && std::string_view(env) != "0") {
    without_daemon = "ZCCACHE_FP_NO_DAEMON is set";
  } else if (auto answer = scan_with_daemon(spec, records); !answer.ok()) {
    without_daemon = answer.error().message;
  } else if (answer->unchanged) {
    stats.files = stats.supplied = records.size();
    return false;
  } else {
    scanned = std::move(answer->files);
  }
  if (!scanned) {
    auto walked = scan_files(spec);
    if (!walked.ok()) return walked.error();
    scanned = std::move(walked).value();
  }
  auto now = fingerprint(spec.root, *scanned, records, start, &stats);
  if (!now.ok()) return now.error();
  bool changed = *now != records;
  records = std::move(now).value();
  return changed;
}

Status save(const std::string& path, const FpState& state) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) ZCCACHE_TRY(os::make_dirs(path.substr(0, slash), 0755));
  return os::write_file_atomic(path, encode_state(state), 0644);
}

}  // namespace

int run_fp(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::printf("%s\n", kUsage);
    return 0;
  }
  Options o;
  if (std::string err = parse(argc, argv, o); !err.empty()) return fail(err + " (" + kUsage + ")");

  std::optional<FpState> state;
  bool unreadable = false;
  if (auto bytes = os::read_file(o.cache_file); bytes.ok()) {
    state = decode_state(*bytes);
    unreadable = !state;
  } else if (bytes.error().code != ErrorCode::kNotFound) {
    return fail(bytes.error().message);
  }

  if (o.command == "mark-failure") {
    FpState next = state.value_or(FpState{});
    next.has_success = false;
    next.success_spec.clear();
    next.success.clear();
    if (Status s = save(o.cache_file, next); !s.ok()) return fail(s.error().message);
    return 0;
  }

  auto root = real_path(o.root);
  if (!root) return fail("--root " + o.root + ": no such directory");
  FileSetSpec spec;
  spec.root = *root;
  for (const auto& g : o.includes) spec.includes.emplace_back(g);
  for (const auto& g : o.excludes) spec.excludes.emplace_back(g);
  spec.skip_file = cache_file_below(*root, o.cache_file);
  if (!spec.skip_file.empty()) {
    size_t slash = spec.skip_file.rfind('/');
    std::string dir = slash == std::string::npos ? "" : spec.skip_file.substr(0, slash + 1);
    std::string name = slash == std::string::npos ? spec.skip_file : spec.skip_file.substr(slash + 1);
    spec.skip_temp_prefix = dir + "." + name + ".tmp.";  // os::AtomicFile's temporaries
  }

  FpState next = state ? std::move(*state) : FpState{};
  bool stat_cache_changed = next.root != *root;
  if (stat_cache_changed) {
    next.root = *root;
    next.files.clear();  // records of another root vouch for nothing here
  }
  ScanStats stats;
  std::string without_daemon;
  auto refreshed = refresh(spec, next.files, o.no_daemon, stats, without_daemon);
  if (!refreshed.ok()) return fail(refreshed.error().message);
  stat_cache_changed = stat_cache_changed || *refreshed;
  if (o.verbose || std::getenv("ZCCACHE_DEBUG")) {
    std::string mode = without_daemon.empty() ? ", " + std::to_string(stats.supplied) + " digests from the daemon"
                                              : " (no daemon: " + without_daemon + ")";
    std::fprintf(stderr, "zccache-fp: %llu files, %llu hashed%s\n", static_cast<unsigned long long>(stats.files),
                 static_cast<unsigned long long>(stats.hashed), mode.c_str());
  }
  std::string spec_id = spec_string(*root, o.includes, o.excludes);

  if (o.command == "mark-success") {
    next.has_success = true;
    next.success_spec = spec_id;
    next.success.clear();
    next.success.reserve(next.files.size());
    for (const auto& f : next.files) next.success.push_back({f.path, f.digest});
    if (Status s = save(o.cache_file, next); !s.ok()) return fail(s.error().message);
    return 0;
  }

  // check: remember what was hashed (best effort: the answer does not depend on it).
  if (stat_cache_changed) (void)save(o.cache_file, next);

  if (!next.has_success) {
    std::printf("%s\n", unreadable ? "no recorded success (the cache file is unreadable)" : "no recorded success");
    return 1;
  }
  std::vector<Change> changes = diff(next.success, next.files);
  bool spec_changed = next.success_spec != spec_id;
  if (spec_changed) std::printf("arguments differ from the last mark-success\n");
  for (const auto& c : changes) std::printf("%s %s\n", change_name(c.kind), c.path.c_str());
  return changes.empty() && !spec_changed ? 0 : 1;
}

}  // namespace zccache::fp
