// The rustc front end: argv -> RustPlan, for `RUSTC_WRAPPER=zccache cargo ...` and `zccache rustc ...`.
// Pure: reads nothing but @argfiles through the FileReader; the daemon resolves what needs the
// file system (extern and native library contents, the target JSON, output paths being regular).
//
// Cacheable: crate types lib/rlib/staticlib with --emit kinds link, metadata and dep-info (what
// cargo build/check ask for). Everything else passes through with a named reason (plan.h):
// binaries, dylibs, cdylibs, proc macros and --test (they link against the whole system, which we
// do not key on), -C incremental, -Z flags, --print/--explain/-V, stdin input, unknown options.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "zccache/tools/file_reader.h"
#include "zccache/tools/plan.h"

namespace zccache::tools::rustc {

// One file rustc writes: `kind` is the --emit kind ("link", "metadata", "dep-info"), `path` as
// rustc names it (relative to the cwd or absolute).
struct RustOutput {
  std::string kind;
  std::string path;
  bool operator==(const RustOutput&) const = default;
};

struct Extern {
  std::string name;
  std::string path;  // empty for `--extern name` (a sysroot crate such as proc_macro)
  bool operator==(const Extern&) const = default;
};

struct RustPlan {
  Passthrough passthrough = Passthrough::kNone;
  std::vector<std::string> args;  // argv after rustc, @argfiles expanded
  std::string source;             // as given
  std::string crate_name;
  std::vector<std::string> crate_types;  // "lib"/"rlib"/"staticlib", in order given
  std::vector<RustOutput> outputs;       // every file the compile writes
  std::string depinfo_path;              // the dep-info output, when requested (else empty)
  // Directory prefix of outputs derived from --out-dir (as given, no trailing slash; empty when
  // none was given). It is not part of the key (rlibs do not record it), so the dep-info file and
  // the JSON artifact notifications, which name it, are rewritten for the requesting build.
  std::string out_dir;
  std::vector<Extern> externs;
  std::vector<std::string> static_libs;     // NAME of -l static=NAME (bundled into the rlib / .a)
  std::vector<std::string> native_dirs;     // -L dirs searched for them (kinds native, all, none)
  std::string target_json;                  // --target naming a JSON file, as given
  // The arguments that form the request key: `args` minus what only names where crates are
  // searched (-L) or where outputs go when the dep-info does not name it (the --out-dir value;
  // -o and --emit paths stay), and --extern paths (names stay; the daemon hashes the contents).
  std::vector<std::string> key_args;
  // False only when a --remap-path-prefix maps exactly the cwd: rustc records the working
  // directory in the crate metadata (seen with -C debuginfo=0 too) and in debug info.
  bool cwd_matters = true;
  bool color_explicit = false;  // --color given: the terminal does not matter
  // `args` minus --emit, --out-dir and -o: with `--emit=dep-info=<file>` appended, a run that
  // writes only the dep-info, to learn the inputs of a compile that did not ask for one (asking
  // the compile itself would change the rlib: rustc 1.95 writes different bytes with dep-info).
  std::vector<std::string> scan_args;
};

// args: argv after rustc. cwd: the compile's working directory (absolute). Relative @argfiles are
// read from it (one argument per line, as rustc reads them).
RustPlan make_plan(const std::vector<std::string>& args, std::string_view cwd, FileReader& reader);

// The library file rustc bundles for `-l static=NAME`: lib<NAME>.a in the first of `dirs` that
// has it (checked by `exists`); empty when none does.
template <typename Exists>
std::string find_static_lib(const std::string& name, const std::vector<std::string>& dirs, Exists exists) {
  for (const auto& d : dirs) {
    std::string path = d + "/lib" + name + ".a";
    if (exists(path)) return path;
  }
  return {};
}

}  // namespace zccache::tools::rustc
