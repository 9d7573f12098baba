#!/usr/bin/python3
"""Rust benchmark: `cargo build --release` bare vs RUSTC_WRAPPER=zccache vs RUSTC_WRAPPER=sccache.

Run through `./perf --rust` (which installs packages and builds zccache first). Standard library only.

In a temp dir under /tmp (removed afterwards unless --keep):
  * generates a workspace of --crates library crates in a dependency chain (each crate ~--fns
    functions, a module file, an env!() read, and a build script writing generated code into
    OUT_DIR for every third crate) plus a binary crate on top;
  * for each tool: a cold build (empty cache, fresh target dir), then --repeat warm builds (cargo
    clean, build again: every library crate should hit), reporting wall time and the tool's own
    hit counts; every .rlib/.rmeta/.d under target/release/deps is compared byte for byte with
    the bare build's (all builds use the same target dir path);
  * a single-crate hit loop: one `<wrapper> rustc ...` of a small library crate repeated, the
    per-hit latency of each tool (sccache runs rustc on every hit; zccache answers from memory).
Prints a table and writes JSON (default build/perf/rust_results.json). Exit 1 on a mismatch or a
warm build that was not all hits for zccache.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print("[rust-perf %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def base_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CCACHE_", "SCCACHE_", "ZCCACHE_", "RUSTC_WRAPPER", "CARGO_TARGET_DIR",
                                "RUSTFLAGS", "CARGO_INCREMENTAL"))}
    env["CARGO_TERM_COLOR"] = "never"
    return env


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def generate(root, crates, fns):
    members = ["c%d" % i for i in range(crates)] + ["app"]
    write(os.path.join(root, "Cargo.toml"),
          "[workspace]\nmembers = [%s]\nresolver = \"2\"\n" % ", ".join('"%s"' % m for m in members))
    for i in range(crates):
        name = "c%d" % i
        deps = "" if i == 0 else "c%d = { path = \"../c%d\" }\n" % (i - 1, i - 1)
        build = i % 3 == 0
        write(os.path.join(root, name, "Cargo.toml"),
              "[package]\nname = \"%s\"\nversion = \"0.1.%d\"\nedition = \"2021\"\n%s[dependencies]\n%s"
              % (name, i, "build = \"build.rs\"\n" if build else "", deps))
        body = ["pub mod helpers;", "pub const NAME: &str = env!(\"CARGO_PKG_NAME\");"]
        if build:
            body.append("include!(concat!(env!(\"OUT_DIR\"), \"/generated.rs\"));")
            write(os.path.join(root, name, "build.rs"),
                  "fn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n"
                  "    std::fs::write(format!(\"{}/generated.rs\", out), \"pub const GENERATED: u64 = %d;\").unwrap();\n"
                  "    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n" % (i * 7))
        for f in range(fns):
            prev = "c%d::f%d(x)" % (i - 1, f) if i > 0 else "x"
            body.append("pub fn f%d(x: u64) -> u64 { helpers::mix(%s, %d) }" % (f, prev, f))
            body.append("pub struct S%d { pub v: Vec<u64> }\nimpl S%d { pub fn sum(&self) -> u64 { self.v.iter()"
                        ".map(|x| f%d(*x)).fold(0, |a, b| a.wrapping_add(b)) } }" % (f, f, f))
        write(os.path.join(root, name, "src", "lib.rs"), "\n".join(body) + "\n")
        write(os.path.join(root, name, "src", "helpers.rs"),
              "pub fn mix(a: u64, b: u64) -> u64 { a.rotate_left(5) ^ b.wrapping_mul(0x9e3779b97f4a7c15) }\n")
    last = "c%d" % (crates - 1)
    write(os.path.join(root, "app", "Cargo.toml"),
          "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\n%s = { path = \"../%s\" }\n"
          % (last, last))
    write(os.path.join(root, "app", "src", "main.rs"), "fn main() { println!(\"{}\", %s::f0(1)); }\n" % last)


def deps_tree(target):
    out = {}
    d = os.path.join(target, "release", "deps")
    for name in sorted(os.listdir(d)):
        if name.endswith((".rlib", ".rmeta", ".d")):
            with open(os.path.join(d, name), "rb") as f:
                out[name] = f.read()
    return out


class Tool:
    def __init__(self, name, wrapper, work):
        self.name, self.wrapper, self.work = name, wrapper, work
        self.cache = os.path.join(work, "cache-" + name)

    def env(self):
        env = base_env()
        if self.name == "zccache":
            env["ZCCACHE_DIR"] = self.cache
        elif self.name == "sccache":
            env["SCCACHE_DIR"] = self.cache
            env["SCCACHE_IDLE_TIMEOUT"] = "0"
        if self.wrapper:
            env["RUSTC_WRAPPER"] = self.wrapper
        return env

    def stats(self):
        if self.name == "zccache":
            p = subprocess.run([self.wrapper, "status", "--json"], env=self.env(), capture_output=True, text=True)
            j = json.loads(p.stdout)
            return j.get("hits", 0), j.get("misses", 0)
        if self.name == "sccache":
            p = subprocess.run([self.wrapper, "--show-stats", "--stats-format", "json"], env=self.env(),
                               capture_output=True, text=True)
            try:
                j = json.loads(p.stdout)["stats"]
                hits = sum(j.get("cache_hits", {}).get("counts", {}).values())
                misses = sum(j.get("cache_misses", {}).get("counts", {}).values())
                return hits, misses
            except (ValueError, KeyError):
                return None, None
        return None, None

    def stop(self):
        if self.name == "zccache":
            subprocess.run([self.wrapper, "stop"], env=self.env(), capture_output=True)
        elif self.name == "sccache":
            subprocess.run([self.wrapper, "--stop-server"], env=self.env(), capture_output=True)


def cargo_build(ws, env):
    t = time.monotonic()
    p = subprocess.run(["cargo", "build", "--release", "-q"], cwd=ws, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("cargo build failed:\n" + p.stderr[-3000:])
    return time.monotonic() - t


def hit_loop(tool, work, n):
    """Per-hit latency of one small library crate compiled directly, `n` times after one miss."""
    src = os.path.join(work, "single", "lib.rs")
    write(src, "pub fn f(x: u32) -> u32 { x * 3 }\n")
    out = os.path.join(work, "single", "out-" + tool.name)
    os.makedirs(out, exist_ok=True)
    rustc = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True).stdout.strip() + "/bin/rustc"
    argv = [rustc, "--crate-name", "single", "--edition=2021", src, "--crate-type", "lib",
            "--emit=dep-info,metadata,link", "-C", "opt-level=2", "--out-dir", out]
    if tool.wrapper:
        argv = [tool.wrapper] + argv
    env = tool.env()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    time.sleep(0.3)  # let the miss be stored
    times = []
    for _ in range(n):
        t = time.monotonic()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.monotonic() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--crates", type=int, default=12)
    p.add_argument("--fns", type=int, default=60)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--hits", type=int, default=20, help="iterations of the single-crate hit loop")
    p.add_argument("--tools", default="zccache,sccache")
    p.add_argument("--bindir", default=os.path.join(REPO, "build", "release", "bin"))
    p.add_argument("--json", dest="json_out", default=os.path.join(REPO, "build", "perf", "rust_results.json"))
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    if not shutil.which("cargo"):
        log("cargo not found: skipping the Rust benchmark")
        return 0

    work = tempfile.mkdtemp(prefix="zccache-rust-perf-")
    ws = os.path.join(work, "ws")
    generate(ws, args.crates, args.fns)
    tools = [Tool("bare", None, work)]
    for name in args.tools.split(","):
        exe = os.path.join(args.bindir, "zccache") if name == "zccache" else shutil.which(name)
        if exe and os.path.exists(exe):
            tools.append(Tool(name, exe, work))
        else:
            log("%s not found: skipped" % name)

    results, failed = {}, False
    ref = None
    for tool in tools:
        log("%s: cold build" % tool.name)
        shutil.rmtree(os.path.join(ws, "target"), ignore_errors=True)
        r = {"cold_s": cargo_build(ws, tool.env())}
        tree = deps_tree(os.path.join(ws, "target"))
        if ref is None:
            ref = tree
        warm = []
        for i in range(args.repeat if tool.wrapper else 0):
            subprocess.run(["cargo", "clean", "-q"], cwd=ws, env=tool.env(), check=True)
            time.sleep(0.5)
            h0, m0 = tool.stats()
            warm.append(cargo_build(ws, tool.env()))
            h1, m1 = tool.stats()
            tree = deps_tree(os.path.join(ws, "target"))
            if h0 is not None:
                r["warm_hits"], r["warm_misses"] = h1 - h0, m1 - m0
        if warm:
            r["warm_s"] = min(warm)
        mismatched = sorted(n for n in set(ref) | set(tree) if ref.get(n) != tree.get(n))
        r["mismatched"] = mismatched
        if mismatched:
            failed = True
            log("%s: MISMATCH in %s" % (tool.name, ", ".join(mismatched[:5])))
        if tool.name == "zccache" and r.get("warm_misses", 0) != 0:
            failed = True
            log("zccache: a warm build was not all hits")
        log("%s: single-crate hit loop" % tool.name)
        r["single_s"] = hit_loop(tool, work, args.hits)
        tool.stop()
        results[tool.name] = r

    print("\nRust: cargo build --release, %d library crates (+1 bin), %d fns each; single-crate loop x%d\n"
          % (args.crates, args.fns, args.hits))
    print("%-9s %10s %10s %12s %14s %s" % ("tool", "cold s", "warm s", "warm hits", "single ms", "objects"))
    for name, r in results.items():
        hits = "%s/%s" % (r.get("warm_hits", "-"), r.get("warm_hits", 0) + r.get("warm_misses", 0)) \
            if "warm_hits" in r else "-"
        print("%-9s %10.2f %10s %12s %14.1f %s" % (
            name, r["cold_s"], "%.2f" % r["warm_s"] if "warm_s" in r else "-", hits, r["single_s"] * 1000,
            "MISMATCH" if r["mismatched"] else "same as bare"))
    os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
    with open(args.json_out, "w") as f:
        json.dump(results, f, indent=1)
    if args.keep:
        log("kept " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
