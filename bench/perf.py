#!/usr/bin/python3
"""zccache benchmark driver: bare compiler vs zccache vs ccache vs sccache on a generated corpus.

Run through ./perf (which installs packages and builds zccache first). Standard library only.

What it does, in a temp dir under /tmp that it removes afterwards:
  * generates a corpus (bench/corpus.py): N C++ units, nested project headers, response files;
  * measures the floor: exec of a static no-op binary (and the start-up of each cache's client),
    and the round-trip floor: a static C client (bench/floor/) that sends cwd and argv over a Unix
    socket to a C server that hardlinks the stored object into place, per unit of each scenario;
  * scenario "single": one unit per process, serial,
        <launcher> <compiler> -std=c++17 -O1 -Iinclude -c src/uN.cpp -o out/uN.o
    bare once, then for each cache (fresh cache dir, server started beforehand): cold once, warm
    --repeat times (best and median); every object compared byte for byte with the bare one and
    every warm run checked to be all hits through the tool's own statistics;
  * scenario "rsp": the same compile with its flags in nested response files (283 arguments):
        <launcher> <compiler> @flags.rsp -c src/uN.cpp -o out/uN.o
  * scenarios "multi" / "multi-rsp" (with --multi): all units in one compiler process;
  * the tools scenarios (bench/tools_scenarios.py; --tools runs only them, --no-tools skips them):
    "tidy" (clang-tidy over --tidy-units units), "link" and "link-lld" (one link of every unit's
    object), bare vs zccache cold vs warm;
  * prints a table, writes JSON (default build/perf/results.json).
Progress goes to stderr, the tables to stdout.

Exit status: 0 when every object matched; 1 when an object differs from the bare compiler's
(MISMATCH) or zccache failed (a compile failed, or a warm run was not all hits); 2 on bad usage or a
corpus that the bare compiler cannot compile.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import tools_scenarios  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Debian's musl-dev: the floor is measured with it too (zccache's front is linked against it).
MUSL_SPECS = next(iter(sorted(glob.glob("/usr/lib/*-linux-musl/musl-gcc.specs"))), None)
COMPILE_TIMEOUT_S = 120  # per process; a multi-source compile gets 5 s more per unit
COMMAND_TIMEOUT_S = 60
STORE_WAIT_S = 30


class FloorTree:
    """Names the copy of the corpus the round-trip floor client delivers into (Bench.tree)."""
    name = "floor"


FLOOR_TREE = FloorTree()


def log(msg):
    print("[perf %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def loud(msg):
    bar = "!" * 78
    print("\n%s\n!! %s\n%s" % (bar, msg, bar), file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Running processes


def clean_env():
    """The caller's environment without any cache's variables (each tool gets its own below)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CCACHE_", "SCCACHE_", "ZCCACHE_", "RUSTC_WRAPPER"))}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def run_cmd(argv, env, cwd=None, timeout=COMMAND_TIMEOUT_S):
    """Runs a management command; returns (rc, stdout, stderr). Output goes through temp files, not
    pipes, so a server that the command starts (and that inherits its descriptors) cannot hold the
    pipe open and hang us."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            p = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                               timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        except OSError as e:
            return ("oserror", "", str(e))
        out.seek(0)
        err.seek(0)
        return (rc, out.read().decode(errors="replace"), err.read().decode(errors="replace"))


class Spawner:
    """Runs one command and times it: time.perf_counter() around posix_spawn + wait. stdout goes to
    /dev/null, stderr to a file (read afterwards, outside the timed region)."""

    def __init__(self, errfile, outfile=None):
        self.errfile = errfile
        self.outfile = outfile  # stdout kept (tools whose output is their result: clang-tidy)
        self.actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, outfile or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, errfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        ]
        self.has_pidfd = hasattr(os, "pidfd_open")

    def run(self, exe, argv, env, timeout=COMPILE_TIMEOUT_S):
        """Returns (exit code, or a string when it could not run or timed out, seconds)."""
        t0 = time.perf_counter()
        try:
            pid = os.posix_spawn(exe, argv, env, file_actions=self.actions, setpgroup=0)
        except OSError as e:
            return ("spawn failed: %s" % e, time.perf_counter() - t0)
        status = self._wait(pid, timeout)
        t1 = time.perf_counter()
        if status is None:
            return ("timeout after %d s (killed)" % timeout, t1 - t0)
        return (os.waitstatus_to_exitcode(status), t1 - t0)

    def _wait(self, pid, timeout):
        if self.has_pidfd:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                fd = None
            if fd is not None:
                try:
                    poller = select.poll()
                    poller.register(fd, select.POLLIN)
                    if not poller.poll(timeout * 1000):
                        self._kill(pid)
                        os.waitpid(pid, 0)
                        return None
                finally:
                    os.close(fd)
        return os.waitpid(pid, 0)[1]

    @staticmethod
    def _kill(pid):
        try:
            os.killpg(pid, signal.SIGKILL)  # its own process group: setpgroup=0 above
        except OSError:
            pass

    def stderr_text(self):
        """stderr of the last command; with an outfile, its stdout, a NUL, then its stderr."""
        text = read_file(self.errfile) or b""
        if self.outfile:
            text = (read_file(self.outfile) or b"") + b"\0" + text
        return text


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


# --------------------------------------------------------------------------------------------------
# Tools: the bare compiler and the three caches


class Tool:
    name = "?"
    launcher = []     # argv prefix before the compiler
    is_cache = True
    broken = None     # set when a compile through it hung: its remaining compiles are skipped

    def __init__(self, work):
        self.work = work
        self.available = True
        self.why_unavailable = ""
        self.version = ""
        self.env = clean_env()

    def probe(self):
        """Sets available / why_unavailable / version."""

    def begin(self, scenario):
        """A fresh cache dir (and server) for one scenario. Returns an error string or None."""
        return None

    def end(self):
        pass

    def counters(self):
        """A dict with 'hits' and 'misses' (and extra keys), or a dict with 'error'."""
        return {"error": "no statistics"}

    def wait_stored(self, n, before):
        return None

    def extra_report(self):
        return {}


class Bare(Tool):
    name = "bare"
    is_cache = False


class Zccache(Tool):
    name = "zccache"

    def __init__(self, work, bindir, build_failed):
        super().__init__(work)
        self.bin = os.path.join(bindir, "zccache")
        self.daemon_bin = os.path.join(bindir, "zccache-daemon")
        self.build_failed = build_failed
        self.launcher = [self.bin]
        self.dir = None
        self.rss = {}
        self.start_ms = None

    def probe(self):
        if not (os.access(self.bin, os.X_OK) and os.access(self.daemon_bin, os.X_OK)):
            self.available = False
            self.why_unavailable = "binaries missing (%s)%s" % (
                self.bin, "; ./build.sh FAILED" if self.build_failed else "")
            return
        rc, out, err = run_cmd([self.bin, "--version"], self.env)
        self.version = out.strip() or err.strip()
        if rc != 0:
            self.available = False
            self.why_unavailable = "`zccache --version` exited %s: %s" % (rc, (err or out).strip()[:200])

    def begin(self, scenario):
        self.dir = os.path.join(self.work, "cache-zccache-" + scenario)
        os.makedirs(self.dir)
        self.env = clean_env()
        self.env["ZCCACHE_DIR"] = self.dir
        # Outlives the whole run if `zccache stop` ever fails, then goes away by itself.
        self.env["ZCCACHE_IDLE_TIMEOUT"] = "900"
        t0 = time.perf_counter()
        rc, out, err = run_cmd([self.bin, "start"], self.env)
        self.start_ms = (time.perf_counter() - t0) * 1e3
        if rc != 0:
            return "`zccache start` exited %s: %s" % (rc, (err or out).strip()[:300])
        return None

    def status(self):
        rc, out, err = run_cmd([self.bin, "status", "--json"], self.env)
        if rc != 0:
            return {"error": "`zccache status --json` exited %s: %s" % (rc, (err or out).strip()[:200])}
        try:
            return json.loads(out)
        except ValueError:
            return {"error": "`zccache status --json` printed no JSON: %r" % out[:200]}

    def counters(self):
        s = self.status()
        if "error" in s:
            return s
        c = {k: s.get(k) for k in ("hits", "misses", "errors", "stored", "entries", "size_bytes")}
        c["passthrough"] = s.get("passthrough", {})
        c["pid"] = s.get("pid")
        c["daemon_running"] = s.get("daemon_running")
        if not isinstance(c["hits"], int) or not isinstance(c["misses"], int):
            return {"error": "status has no hits/misses counters: %s" % json.dumps(s)[:200]}
        return c

    def wait_stored(self, n, before):
        base = before.get("stored") if isinstance(before.get("stored"), int) else 0
        deadline = time.monotonic() + STORE_WAIT_S
        t0 = time.monotonic()
        last = None
        while time.monotonic() < deadline:
            s = self.status()
            last = s
            if isinstance(s.get("stored"), int) and s["stored"] - base >= n:
                return {"waited_s": round(time.monotonic() - t0, 3), "stored": s["stored"] - base}
            if not isinstance(s.get("stored"), int) and time.monotonic() - t0 > 1:
                return {"waited_s": round(time.monotonic() - t0, 3),
                        "warning": "no 'stored' counter in `zccache status --json`: %s" % (
                            s.get("error") or json.dumps(s)[:200])}
            time.sleep(0.1)
        got = last.get("stored") if isinstance(last, dict) else None
        return {"waited_s": STORE_WAIT_S, "stored": got if not isinstance(got, int) else got - base,
                "warning": "daemon reported stored=%s (< %d) after %d s" % (got, n, STORE_WAIT_S)}

    def record_rss(self, scenario):
        s = self.status()
        pid = s.get("pid")
        entry = {"pid": pid}
        if isinstance(pid, int):
            text = read_file("/proc/%d/status" % pid)
            if text:
                for line in text.decode(errors="replace").splitlines():
                    key, _, val = line.partition(":")
                    # RssFile is mostly the index's mmap (page cache the kernel can drop); RssAnon
                    # is the daemon's own memory.
                    if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                        val = val.strip()
                        entry[key] = int(val.split()[0]) if key == "Threads" else int(val.split()[0])
            else:
                entry["error"] = "/proc/%d/status unreadable" % pid
        else:
            entry["error"] = "no pid in status --json"
        for k in ("entries", "size_bytes"):
            if k in s:
                entry[k] = s[k]
        self.rss[scenario] = entry
        return entry

    def end(self):
        if self.dir is None:  # never started: do not touch the default ~/.zccache daemon
            return
        self.dir = None
        pid = None
        s = self.status()
        if isinstance(s.get("pid"), int):
            pid = s["pid"]
        rc, out, err = run_cmd([self.bin, "stop"], self.env)
        if rc != 0:
            log("zccache stop exited %s: %s" % (rc, (err or out).strip()[:200]))
        if pid:
            # The daemon we started for this scenario: make sure it is gone before its dir is.
            for _ in range(50):
                if not os.path.exists("/proc/%d" % pid):
                    break
                time.sleep(0.1)
            else:
                log("zccache daemon pid %d still running after stop: killing it" % pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def extra_report(self):
        return {"daemon_start_ms": self.start_ms}


class Ccache(Tool):
    name = "ccache"

    def __init__(self, work):
        super().__init__(work)
        self.bin = shutil.which("ccache") or "ccache"
        self.launcher = [self.bin]

    def probe(self):
        if not shutil.which("ccache"):
            self.available, self.why_unavailable = False, "ccache not installed"
            return
        rc, out, err = run_cmd([self.bin, "--version"], self.env)
        if rc != 0:
            self.available, self.why_unavailable = False, "`ccache --version` failed: %s" % err.strip()[:200]
            return
        self.version = out.splitlines()[0].strip() if out else ""
        rc, out, err = run_cmd([self.bin, "--print-stats"], dict(self.env, CCACHE_DIR=os.path.join(
            self.work, "cache-ccache-probe")))
        if rc != 0:
            self.available, self.why_unavailable = False, "`ccache --print-stats` unsupported (ccache < 4?)"

    def begin(self, scenario):
        d = os.path.join(self.work, "cache-ccache-" + scenario)
        os.makedirs(d)
        self.env = clean_env()
        self.env["CCACHE_DIR"] = d
        return None

    def counters(self):
        rc, out, err = run_cmd([self.bin, "--print-stats"], self.env)
        if rc != 0:
            return {"error": "`ccache --print-stats` exited %s: %s" % (rc, err.strip()[:200])}
        v = {}
        for line in out.splitlines():
            k, _, n = line.partition("\t")
            if n.strip().isdigit():
                v[k] = int(n)
        direct = v.get("direct_cache_hit", 0)
        pre = v.get("preprocessed_cache_hit", 0)
        return {"hits": direct + pre, "direct_hits": direct, "preprocessed_hits": pre,
                "misses": v.get("cache_miss", 0),
                "uncacheable": {k: n for k, n in v.items() if n and k in (
                    "multiple_source_files", "unsupported_compiler_option", "compile_failed",
                    "called_for_link", "could_not_find_compiler", "internal_error",
                    "unsupported_code_directive", "bad_compiler_arguments")}}


class Sccache(Tool):
    name = "sccache"

    def __init__(self, work):
        super().__init__(work)
        self.bin = shutil.which("sccache") or "sccache"
        self.launcher = [self.bin]
        self.started = False
        self.start_ms = None

    def probe(self):
        if not shutil.which("sccache"):
            self.available, self.why_unavailable = False, "sccache not installed"
            return
        rc, out, err = run_cmd([self.bin, "--version"], self.env)
        if rc != 0:
            self.available, self.why_unavailable = False, "`sccache --version` failed: %s" % err.strip()[:200]
            return
        self.version = out.strip()

    def begin(self, scenario):
        d = os.path.join(self.work, "cache-sccache-" + scenario)
        os.makedirs(d)
        self.env = clean_env()
        self.env["SCCACHE_DIR"] = d
        self.env["SCCACHE_IDLE_TIMEOUT"] = "0"
        msg = None
        for attempt in range(3):
            # sccache gives its server 10 s to come up; a busy machine can miss that: retry.
            self.env["SCCACHE_SERVER_PORT"] = str(free_port())
            t0 = time.perf_counter()
            rc, out, err = run_cmd([self.bin, "--start-server"], self.env)
            self.start_ms = (time.perf_counter() - t0) * 1e3
            if rc == 0:
                self.started = True
                return None
            msg = "`sccache --start-server` exited %s: %s" % (rc, (err or out).strip()[:300])
            log("sccache: %s (attempt %d of 3)" % (msg, attempt + 1))
            run_cmd([self.bin, "--stop-server"], self.env)  # a server that came up late
        return msg

    def counters(self):
        rc, out, err = run_cmd([self.bin, "--show-stats", "--stats-format", "json"], self.env)
        if rc != 0:
            return {"error": "`sccache --show-stats` exited %s: %s" % (rc, err.strip()[:200])}
        try:
            s = json.loads(out)["stats"]
        except (ValueError, KeyError):
            return {"error": "`sccache --show-stats --stats-format json` printed no JSON"}

        def total(x):
            if isinstance(x, dict):
                return sum(x.get("counts", {}).values())
            return x or 0
        return {"hits": total(s.get("cache_hits")), "misses": total(s.get("cache_misses")),
                "writes": s.get("cache_writes", 0),
                "not_cacheable": s.get("non_cacheable_compilations", 0) + s.get("requests_not_cacheable", 0),
                "not_cached": s.get("not_cached", {})}

    def wait_stored(self, n, before):
        base = before.get("writes", 0) if isinstance(before.get("writes"), int) else 0
        deadline = time.monotonic() + STORE_WAIT_S
        t0 = time.monotonic()
        while time.monotonic() < deadline:
            c = self.counters()
            if c.get("writes", 0) - base >= n:
                return {"waited_s": round(time.monotonic() - t0, 3), "stored": c["writes"] - base}
            time.sleep(0.1)
        return {"waited_s": STORE_WAIT_S, "warning": "sccache reported fewer than %d cache writes" % n}

    def end(self):
        if self.started:
            rc, out, err = run_cmd([self.bin, "--stop-server"], self.env)
            if rc != 0:
                log("sccache --stop-server exited %s: %s" % (rc, err.strip()[:200]))
            self.started = False

    def extra_report(self):
        return {"server_start_ms": self.start_ms}


# --------------------------------------------------------------------------------------------------
# Scenarios


class Scenario:
    def __init__(self, name, title, units, compiler, rsp, multi):
        self.name, self.title, self.units = name, title, units
        self.compiler, self.rsp, self.multi = compiler, rsp, multi

    def flags(self):
        return ["@flags.rsp"] if self.rsp else ["-std=c++17", "-O1", "-Iinclude"]

    def commands(self):
        """[(argv without launcher, [object paths])]; objects relative to the corpus dir."""
        if self.multi:
            srcs = ["src/u%d.cpp" % i for i in range(self.units)]
            # Several sources cannot take -o: the objects land in the cwd (the corpus root).
            return [([self.compiler] + self.flags() + ["-c"] + srcs,
                     ["u%d.o" % i for i in range(self.units)])]
        return [([self.compiler] + self.flags() + ["-c", "src/u%d.cpp" % i, "-o", "out/u%d.o" % i],
                 ["out/u%d.o" % i]) for i in range(self.units)]

    def objects(self):
        return [o for _, objs in self.commands() for o in objs]

    def example(self, launcher=""):
        argv = self.commands()[0][0]
        if self.multi:
            argv = argv[:-self.units] + ["src/u0.cpp", "...", "src/u%d.cpp" % (self.units - 1)]
        return (launcher + " " if launcher else "") + " ".join(argv)


class Bench:
    """Runs the scenarios. Each tool compiles in its own copy of the corpus (work/tree-<tool>), so
    the cold passes can be interleaved unit by unit (bare, zccache, ccache, sccache, in an order
    that rotates): a slow moment of a noisy machine then hits every tool alike, which matters for
    the cold-vs-bare ratio. The commands are the same everywhere (relative paths; without -g an
    object does not depend on the directory). Warm passes are interleaved by round."""

    def __init__(self, args, work, corpus_dir):
        self.args = args
        self.work = work
        self.corpus = corpus_dir
        self.spawner = Spawner(os.path.join(work, "stderr.txt"))
        self.spawner_out = Spawner(os.path.join(work, "stderr.txt"), os.path.join(work, "stdout.txt"))
        self.failures = []        # make the exit status 1
        self.warnings = []
        self.compiler_path = shutil.which(args.compiler)
        self.tools = []
        self.noop = None          # the no-op binary, once floor() has built it
        self.rt_client = None     # the round-trip floor's client and server (bench/floor/)
        self.rt_client_musl = None  # its client linked against musl, when musl-dev is there
        self.rt_server = None

    def tree(self, tool):
        d = os.path.join(self.work, "tree-" + tool.name)
        if not os.path.isdir(d):
            shutil.copytree(self.corpus, d, symlinks=True)
        return d

    def clean_outputs(self, sc, tool):
        d = self.tree(tool)
        for o in sc.objects():
            try:
                os.unlink(os.path.join(d, o))
            except FileNotFoundError:
                pass

    def exe_of(self, tool):
        return tool.launcher[0] if tool.launcher else self.compiler_path

    def run_one(self, tool, argv, timeout, capture_stdout=False):
        os.chdir(self.tree(tool))  # posix_spawn has no cwd argument
        full = tool.launcher + argv
        spawner = self.spawner_out if capture_stdout else self.spawner
        exe = self.exe_of(tool) if tool.launcher else shutil.which(argv[0])
        rc, secs = spawner.run(exe, full, tool.env, timeout)
        err = spawner.stderr_text()
        fail = None
        if rc != 0:
            fail = {"cmd": " ".join(full[:8]) + (" ..." if len(full) > 8 else ""),
                    "exit": rc, "stderr": err.decode(errors="replace")[-600:]}
        return secs, err, fail

    def passes(self, sc, tools, labels, rotate_by=0):
        """One pass of every command per tool, interleaved command by command. Returns
        {tool name: (result dict, [stderr bytes])}."""
        acc = {t.name: ([], [], []) for t in tools}
        for t in tools:
            self.clean_outputs(sc, t)
        timeout = self.args.timeout + (5 * sc.units if sc.multi else 0)
        for i, (argv, _) in enumerate(sc.commands()):
            k = (i + rotate_by) % len(tools)
            for t in tools[k:] + tools[:k]:
                if t.broken:
                    secs, err, fail = 0.0, b"", {"cmd": "-", "exit": "skipped: " + t.broken, "stderr": ""}
                else:
                    secs, err, fail = self.run_one(t, argv, timeout, getattr(sc, "capture_stdout", False))
                    if fail and str(fail["exit"]).startswith("timeout"):
                        # A hung cache would cost the timeout on every command: give up on it.
                        t.broken = "a compile hung (%s)" % fail["exit"]
                        self.note_failure(t, "%s %s: %s; its remaining compiles are skipped" % (
                            t.name, sc.name, t.broken))
                acc[t.name][0].append(secs)
                acc[t.name][1].append(err)
                if fail:
                    acc[t.name][2].append(fail)
        out = {}
        for t in tools:
            times, errs, failed = acc[t.name]
            total = sum(times)
            n = sc.units
            r = {"label": labels[t.name], "total_s": total, "ms_per_compile": total / n * 1e3,
                 "process_ms": {"min": min(times) * 1e3, "median": statistics.median(times) * 1e3,
                                "max": max(times) * 1e3},
                 "times_s": times, "failed": len(failed)}
            if failed:
                r["failures"] = failed[:3]
            log("  %-8s %-7s %8.3f s  %8.2f ms/compile%s" % (
                t.name, labels[t.name], total, total / n * 1e3,
                "  (%d FAILED)" % len(failed) if failed else ""))
            out[t.name] = (r, errs)
        return out

    def compare(self, sc, tool, ref_dir, ref_stderr, stderrs):
        """Objects vs the bare compiler's, byte for byte; stderr likewise (a warning only)."""
        mismatched, missing = [], []
        d = self.tree(tool)
        for o in sc.objects():
            got = read_file(os.path.join(d, o))
            want = read_file(os.path.join(ref_dir, o.replace("/", "_")))
            if got is None:
                missing.append(o)
            elif got != want:
                mismatched.append(o)
        stderr_diff = [i for i, (a, b) in enumerate(zip(ref_stderr, stderrs)) if a != b]
        if getattr(sc, "text_is_output", False):
            # clang-tidy: the diagnostics are the result. They name the source by its absolute
            # path, which is each tool's own copy of the corpus.
            bare_tree = self.tree(self.tools[0]).encode()
            stderr_diff = [i for i, (a, b) in enumerate(zip(ref_stderr, stderrs))
                           if a.replace(bare_tree, b"<tree>") != b.replace(d.encode(), b"<tree>")]
            mismatched += ["output of command %d" % i for i in stderr_diff]
        return {"objects": len(sc.objects()), "mismatched": mismatched, "missing": missing,
                "stderr_differs": len(stderr_diff), "stderr_differs_first": stderr_diff[:5]}

    # -- the floor
    def floor(self):
        src = os.path.join(self.work, "noop.c")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        out = {}
        exe = os.path.join(self.work, "noop-static")
        rc, _, err = run_cmd(["cc", "-static", "-O2", src, "-o", exe], clean_env())
        kind = "static"
        if rc != 0:
            log("static linking unavailable (%s): the floor uses a dynamic no-op" % err.strip()[:120])
            rc, _, err = run_cmd(["cc", "-O2", src, "-o", exe], clean_env())
            kind = "dynamic"
        if rc != 0:
            return {"error": "cannot build the no-op: %s" % err.strip()[:200]}
        n = max(self.args.units, 100) * 2
        env = clean_env()
        reps = max(self.args.repeat, 3)
        os.chdir(self.work)

        def per_exec(argv, e=env):
            runs = []
            for _ in range(reps):
                total = 0.0
                for _ in range(n):
                    rc, secs = self.spawner.run(argv[0], argv, e)
                    if rc != 0:
                        return {"error": "%s exited %s" % (" ".join(argv), rc)}
                    total += secs
                runs.append(total / n * 1e3)
            return {"execs": n, "best_ms": min(runs), "median_ms": statistics.median(runs)}

        self.noop = exe
        self.build_roundtrip(out)
        out["noop_" + kind] = per_exec([exe])
        out["noop_" + kind]["binary"] = kind
        # The same no-op linked statically against musl, as zccache's front is (src/zccache/front):
        # what glibc's start-up costs on this machine is the difference.
        if MUSL_SPECS:
            musl_exe = os.path.join(self.work, "noop-musl")
            rc, _, err = run_cmd(["cc", "-specs=" + MUSL_SPECS, "-static", "-O2", src, "-o", musl_exe], clean_env())
            out["noop_musl"] = per_exec([musl_exe]) if rc == 0 else {"error": "cannot build: " + err.strip()[:120]}
        out["floor_ms_best"] = out["noop_" + kind].get("best_ms")
        out["floor_ms_median"] = out["noop_" + kind].get("median_ms")
        # Start-up cost of each cache's client, for comparison with the floor.
        for tool in self.tools:
            if tool.is_cache and tool.available:
                out["%s --version" % tool.name] = per_exec([tool.launcher[0], "--version"], tool.env)
        return out

    def build_roundtrip(self, out):
        """Builds the round-trip floor's static client and its server; on failure the tables go
        without the round-trip floor (and say why)."""
        built = {}
        for name, extra in (("roundtrip_client", ["-static"]), ("roundtrip_server", [])):
            exe = os.path.join(self.work, name)
            rc, _, err = run_cmd(["cc", "-O2"] + extra + [os.path.join(REPO, "bench", "floor", name + ".c"),
                                                          "-o", exe], clean_env())
            if rc != 0:
                out["roundtrip"] = {"error": "cannot build %s: %s" % (name, err.strip()[:200])}
                return
            built[name] = exe
        self.rt_client, self.rt_server = built["roundtrip_client"], built["roundtrip_server"]
        # The same floor client linked against musl, beside the glibc one in the paired hits.
        if MUSL_SPECS:
            exe = os.path.join(self.work, "roundtrip_client_musl")
            rc, _, err = run_cmd(["cc", "-specs=" + MUSL_SPECS, "-static", "-O2",
                                  os.path.join(REPO, "bench", "floor", "roundtrip_client.c"), "-o", exe], clean_env())
            if rc == 0:
                self.rt_client_musl = exe
            else:
                out["roundtrip_musl"] = {"error": "cannot build the musl floor client: %s" % err.strip()[:200]}

    def roundtrip_pass(self, sc, sock):
        """One pass of the scenario's commands through the round-trip floor client, in its own
        copy of the corpus; returns ms per command, or None when a command failed."""
        os.chdir(self.tree(FLOOR_TREE))
        env = clean_env()
        total = 0.0
        for argv, _ in sc.commands():
            rc, secs = self.spawner.run(self.rt_client, [self.rt_client, sock] + argv, env)
            if rc != 0:
                return None
            total += secs
        return total / len(sc.commands()) * 1e3

    # -- one scenario across all tools
    def scenario(self, sc):
        log("scenario %s: %s" % (sc.name, sc.example()))
        res = {"title": sc.title, "command": sc.example("<launcher>"), "tools": {"bare": {}}}
        bare = self.tools[0]
        caches = []
        for tool in self.tools[1:]:
            if tool.name not in getattr(sc, "caches", (tool.name,)):
                res["tools"][tool.name] = {"skipped": "does not cache clang-tidy or links"}
                continue
            if not tool.available:
                res["tools"][tool.name] = {"skipped": tool.why_unavailable}
                log("  %-8s skipped: %s" % (tool.name, tool.why_unavailable))
                continue
            entry = res["tools"][tool.name] = {}
            err = tool.begin(sc.name)
            entry.update({k: v for k, v in tool.extra_report().items() if v is not None})
            if err:
                entry["error"] = err
                self.note_failure(tool, "%s: %s" % (sc.name, err))
                if tool.name != "zccache":  # zccache goes on: its client must fall back / start one
                    entry["skipped"] = err
                    tool.end()
                    continue
            caches.append(tool)
        try:
            if hasattr(sc, "prepare"):
                err = sc.prepare(self, [bare] + caches)
                if err:
                    loud("%s: %s" % (sc.name, err))
                    self.failures.append("%s: %s" % (sc.name, err))
                    res["tools"]["bare"] = {"error": err}
                    return res
            self.scenario_runs(sc, res, bare, caches)
        finally:
            for tool in caches:
                tool.end()
        return res

    def scenario_runs(self, sc, res, bare, caches):
        n = sc.units
        ref_dir = os.path.join(self.work, "ref-" + sc.name)
        os.makedirs(ref_dir)
        before = {t.name: t.counters() for t in caches}
        labels = dict({t.name: "cold" for t in caches}, bare="bare")
        cold = self.passes(sc, [bare] + caches, labels)
        br, ref_stderr = cold["bare"]
        res["tools"]["bare"] = {"bare": br, "stderr_nonempty": sum(1 for e in ref_stderr if e)}
        if br["failed"]:
            loud("the bare compiler failed on the corpus (%s): %s" % (sc.name, br["failures"][0]))
            self.failures.append("bare %s: compile failed" % sc.name)
            res["tools"]["bare"]["error"] = "bare compile failed"
            return
        for o in sc.objects():
            shutil.copy2(os.path.join(self.tree(bare), o), os.path.join(ref_dir, o.replace("/", "_")))
        for t in caches:
            r, errs = cold[t.name]
            after = t.counters()
            r["stats"] = delta(before[t.name], after)
            r["check"] = self.compare(sc, t, ref_dir, ref_stderr, errs)
            self.judge(t, sc, "cold", r)
            res["tools"][t.name]["cold"] = r
        for t in caches:
            st = res["tools"][t.name]["cold"]["stats"]
            if st.get("misses", 1) == 0 and st.get("hits", 1) == 0:
                w = {"skipped": "the cold run cached nothing"}
            else:
                w = t.wait_stored(n, before[t.name])
            res["tools"][t.name]["store_wait"] = w
            if w and "warning" in w:
                self.warn("%s %s: %s" % (t.name, sc.name, w["warning"]))
        warm_runs = {t.name: [] for t in caches}
        # A tool that cached nothing (cold run) or hit nothing (first warm run), e.g. sccache with
        # response files, gets one warm run, not --repeat full recompiles.
        once = {t.name for t in caches
                if res["tools"][t.name]["cold"]["stats"].get("hits", 1) == 0
                and res["tools"][t.name]["cold"]["stats"].get("misses", 1) == 0}
        floor_runs, floor_n = [], max(n, 100)
        rt_runs, rt_server, rt_error = [], None, None
        if self.rt_client and not sc.multi:
            sock = os.path.join(self.work, "roundtrip-%s.sock" % sc.name)
            rt_server = subprocess.Popen([self.rt_server, sock, ref_dir], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL)
            deadline = time.time() + 5
            while not os.path.exists(sock) and time.time() < deadline:
                time.sleep(0.01)
        try:
            self.warm_rounds(sc, res, caches, ref_dir, ref_stderr, warm_runs, once, floor_runs, floor_n,
                             rt_runs, sock if rt_server else None)
            z = [t for t in caches if t.name == "zccache" and not t.broken]
            if rt_server and z:
                res["hit_vs_floor_paired"] = self.paired_hits(sc, z[0], sock)
        finally:
            if rt_server:
                rt_server.kill()
                rt_server.wait()
        if floor_runs:
            res["floor"] = {"execs": floor_n, "best_ms": min(floor_runs), "median_ms": statistics.median(floor_runs)}
        if rt_runs and None not in rt_runs:
            res["floor_roundtrip"] = {"per_run": len(sc.commands()), "best_ms": min(rt_runs),
                                      "median_ms": statistics.median(rt_runs), "runs_ms": rt_runs}
        elif rt_server:
            res["floor_roundtrip"] = {"error": "a round-trip client exited non-zero"}
        self.warm_results(sc, res, caches, warm_runs)
        if sc.multi:
            res["half_changed"] = self.half_changed(sc, bare, caches, ref_dir)

    def warm_rounds(self, sc, res, caches, ref_dir, ref_stderr, warm_runs, once, floor_runs, floor_n,
                    rt_runs, rt_sock):
        n = sc.units
        for rnd in range(self.args.repeat):
            if self.noop:
                # The floor again, in the same minute as the warm runs: a busy machine moves both.
                os.chdir(self.work)
                t = sum(self.spawner.run(self.noop, [self.noop], clean_env())[1] for _ in range(floor_n))
                floor_runs.append(t / floor_n * 1e3)
            # The round-trip floor's pass sits right beside zccache's, before it in even rounds and
            # after it in odd ones: both then meet the same machine (a few ms apart, after the
            # same tool's pass), and neither always gets the cold seat after another tool's
            # heavy pass. Without zccache in the run it goes first.
            rt_beside = rt_sock and any(t.name == "zccache" for t in caches)
            if rt_sock and not rt_beside:
                rt_runs.append(self.roundtrip_pass(sc, rt_sock))
            for k in range(len(caches)):
                t = caches[(k + rnd) % len(caches)]
                if rnd > 0 and t.name in once:
                    continue
                if rt_beside and t.name == "zccache" and rnd % 2 == 0:
                    rt_runs.append(self.roundtrip_pass(sc, rt_sock))
                b = t.counters()
                w, errs = self.passes(sc, [t], {t.name: "warm %d" % (rnd + 1)})[t.name]
                a = t.counters()
                w["stats"] = delta(b, a)
                w["check"] = self.compare(sc, t, ref_dir, ref_stderr, errs)
                w["all_hits"] = w["stats"].get("hits") == n and w["stats"].get("misses", 0) == 0
                self.judge(t, sc, "warm %d" % (rnd + 1), w)
                warm_runs[t.name].append(w)
                if rt_beside and t.name == "zccache" and rnd % 2 == 1:
                    rt_runs.append(self.roundtrip_pass(sc, rt_sock))
                if t.name != "zccache" and w["stats"].get("hits") == 0:
                    once.add(t.name)

    def paired_hits(self, sc, z, sock):
        """Each command as a zccache hit right beside the same command through the round-trip floor,
        which goes first in every other pair, for --repeat rounds. The pass figures compare whole
        passes run a second apart; on a VM whose speed moves from one second to the next, pairs
        a millisecond apart are the steadier measure of what a hit adds to the floor."""
        env = clean_env()
        zt, ft, mt = [], [], []
        before = z.counters()
        for rnd in range(self.args.repeat):
            for i, (argv, objs) in enumerate(sc.commands()):
                for o in objs:
                    try:
                        os.unlink(os.path.join(self.tree(z), o))
                    except FileNotFoundError:
                        pass
                members = ["hit", "floor"] + (["musl"] if self.rt_client_musl else [])
                k = (i + rnd) % len(members)
                for m in members[k:] + members[:k]:
                    if m == "hit":
                        secs, _, fail = self.run_one(z, argv, self.args.timeout)
                        if fail:
                            return {"error": "a zccache hit failed: %s" % fail["exit"]}
                        zt.append(secs)
                    else:
                        client = self.rt_client if m == "floor" else self.rt_client_musl
                        os.chdir(self.tree(FLOOR_TREE))
                        rc, secs = self.spawner.run(client, [client, sock] + argv, env)
                        if rc != 0:
                            return {"error": "a round-trip client exited non-zero"}
                        (ft if m == "floor" else mt).append(secs)
        st = delta(before, z.counters())
        ratios = [a / b for a, b in zip(zt, ft) if b > 0]
        diffs = sorted((a - b) * 1e6 for a, b in zip(zt, ft))
        out = {"pairs": len(zt), "all_hits": st.get("hits") == len(zt) and st.get("misses", 0) == 0,
                "median_ratio": statistics.median(ratios), "total_ratio": sum(zt) / sum(ft),
                "median_extra_us": statistics.median(diffs), "q25_extra_us": diffs[len(diffs) // 4],
                "q75_extra_us": diffs[3 * len(diffs) // 4],
                "hit_median_ms": statistics.median(zt) * 1e3, "floor_median_ms": statistics.median(ft) * 1e3}
        if mt:
            out["musl_median_ratio"] = statistics.median([a / b for a, b in zip(zt, mt) if b > 0])
            out["musl_median_extra_us"] = statistics.median((a - b) * 1e6 for a, b in zip(zt, mt))
            out["musl_floor_median_ms"] = statistics.median(mt) * 1e3
        return out

    def warm_results(self, sc, res, caches, warm_runs):
        n = sc.units
        for t in caches:
            runs = warm_runs[t.name]
            if not runs:
                continue
            totals = [w["total_s"] for w in runs]
            entry = res["tools"][t.name]
            entry["warm_runs"] = runs
            entry["warm"] = {"best_s": min(totals), "median_s": statistics.median(totals),
                             "best_ms_per_hit": min(totals) / n * 1e3,
                             "median_ms_per_hit": statistics.median(totals) / n * 1e3,
                             "all_hits": all(w["all_hits"] for w in runs)}
            if isinstance(t, Zccache):
                entry["daemon"] = t.record_rss(sc.name)
                log("  zccache daemon: %s" % entry["daemon"])

    def half_changed(self, sc, bare, caches, ref_dir):
        """Every other source edited (a comment appended: same objects), then the whole command
        again: a cache that splits the sources compiles only those, in one process. The bare
        compiler is timed on the edited sources alone, which is what such a cache should cost."""
        n = sc.units
        changed = list(range(0, n, 2))
        trees = [self.tree(t) for t in [bare] + caches]
        originals = {}
        for d in trees:
            for i in changed:
                path = os.path.join(d, "src/u%d.cpp" % i)
                originals[path] = read_file(path)
                with open(path, "ab") as f:
                    f.write(b"\n// edited for the half-changed run\n")
        log("  half changed: %d of %d sources edited" % (len(changed), n))
        out = {"changed": len(changed), "units": n}
        try:
            argv = [sc.compiler] + sc.flags() + ["-c"] + ["src/u%d.cpp" % i for i in changed]
            secs, _, fail = self.run_one(bare, argv, self.args.timeout + 5 * n)
            out["bare_changed_only_s"] = secs
            log("  %-8s %-7s %8.3f s  (the %d edited sources alone)%s" % (
                "bare", "half", secs, len(changed), "  FAILED" if fail else ""))
            full = sc.commands()[0][0]
            for t in caches:
                b = t.counters()
                secs, _, fail = self.run_one(t, full, self.args.timeout + 5 * n)
                st = delta(b, t.counters())
                chk = self.compare(sc, t, ref_dir, [], [])
                r = {"total_s": secs, "stats": st, "check": chk, "failed": 1 if fail else 0,
                     "vs_bare_changed_only": secs / out["bare_changed_only_s"] if out["bare_changed_only_s"] else None}
                out[t.name] = r
                log("  %-8s %-7s %8.3f s  %s%s" % (t.name, "half", secs, json.dumps(
                    {k: st.get(k) for k in ("hits", "misses")}), "  FAILED" if fail else ""))
                if chk["mismatched"] or chk["missing"]:
                    loud("MISMATCH %s %s half-changed: %s" % (t.name, sc.name, json.dumps(chk)[:300]))
                    self.failures.append("MISMATCH %s %s half-changed" % (t.name, sc.name))
                if t.name == "zccache" and (fail or st.get("hits") != n - len(changed)
                                            or st.get("misses") != len(changed)):
                    self.note_failure(t, "%s half-changed: expected %d hits and %d misses: %s" % (
                        sc.name, n - len(changed), len(changed), json.dumps(st)[:300]))
        finally:
            for path, data in originals.items():
                if data is not None:
                    with open(path, "wb") as f:
                        f.write(data)
        return out

    def judge(self, tool, sc, label, r):
        chk = r["check"]
        where = "%s %s %s" % (tool.name, sc.name, label)
        if r["failed"]:
            msg = "%s: %d of %d compiles FAILED; first: %s" % (where, r["failed"], len(sc.commands()),
                                                             json.dumps(r["failures"][0])[:500])
            self.note_failure(tool, msg)
        if chk["mismatched"]:
            loud("MISMATCH %s: %d object(s) differ from the bare compiler's: %s" % (
                where, len(chk["mismatched"]), " ".join(chk["mismatched"][:10])))
            self.failures.append("MISMATCH %s: %d objects differ" % (where, len(chk["mismatched"])))
        if chk["missing"] and not r["failed"]:
            loud("MISSING %s: %d object(s) not written: %s" % (where, len(chk["missing"]),
                                                             " ".join(chk["missing"][:10])))
            self.failures.append("MISSING %s: %d objects" % (where, len(chk["missing"])))
        if chk["stderr_differs"]:
            self.warn("%s: stderr differs from the bare compiler's for %d command(s)" % (
                where, chk["stderr_differs"]))
        st = r.get("stats", {})
        if label.startswith("warm"):
            if "error" in st:
                self.note_failure(tool, "%s: cannot read statistics: %s" % (where, st["error"]))
            elif st.get("hits") != sc.units or st.get("misses", 0):
                self.note_failure(tool, "%s: NOT ALL HITS: %s" % (where, json.dumps(st)[:300]))

    def note_failure(self, tool, msg):
        if tool.name == "zccache":
            loud(msg)
            self.failures.append(msg)
        else:
            self.warn(msg)

    def warn(self, msg):
        log("WARNING: " + msg)
        self.warnings.append(msg)


def delta(before, after):
    if "error" in before or "error" in after:
        return {"error": after.get("error") or before.get("error")}
    d = {}
    for k, v in after.items():
        if isinstance(v, int) and not isinstance(v, bool) and isinstance(before.get(k), int) and k != "pid":
            d[k] = v - before[k]
        elif isinstance(v, dict) and isinstance(before.get(k), dict):
            dd = {kk: vv - before[k].get(kk, 0) for kk, vv in v.items() if isinstance(vv, int)}
            dd = {kk: vv for kk, vv in dd.items() if vv}
            if dd:
                d[k] = dd
    return d


# --------------------------------------------------------------------------------------------------
# Reporting


def fmt_s(x):
    return "%.3f" % x if isinstance(x, (int, float)) else "-"


def fmt_ms(x):
    if not isinstance(x, (int, float)):
        return "-"
    return "%.2f" % x if x < 100 else "%.0f" % x


def fmt_x(x):
    if not isinstance(x, (int, float)):
        return "-"
    return "%.2fx" % x if x < 10 else "%.1fx" % x


def speed_words(ratio):
    """ratio = other's time / zccache's time."""
    if ratio >= 1:
        return "%s faster" % fmt_x(ratio)
    return "%s SLOWER" % fmt_x(1 / ratio)


def derive(results):
    """Adds the ratios: speed-ups vs bare, zccache vs ccache/sccache, per hit vs the floor."""
    for name, sc in results["scenarios"].items():
        # The floor measured between this scenario's warm runs, else the one at the start.
        floor = sc.get("floor", {}).get("best_ms") or results.get("floor", {}).get("floor_ms_best")
        floor_med = sc.get("floor", {}).get("median_ms") or results.get("floor", {}).get("floor_ms_median")
        tools = sc["tools"]
        bare = tools.get("bare", {}).get("bare")
        if not bare:
            continue
        bt = bare["total_s"]
        ratios = {}
        for tname, t in tools.items():
            if tname == "bare" or "warm" not in t:
                continue
            w = t["warm"]
            t["cold_vs_bare"] = t["cold"]["total_s"] / bt
            # Command by command: each cold compile over the bare one of the same source, which ran
            # right before or after it (passes() interleaves them). A slow stretch of the VM then
            # moves a few pairs, not the median.
            ct, bts = t["cold"].get("times_s", []), bare.get("times_s", [])
            if len(ct) == len(bts) > 1 and not t["cold"]["failed"] and all(bts):
                t["cold_vs_bare_paired_median"] = statistics.median(c / b for c, b in zip(ct, bts))
            w["speedup_vs_bare_best"] = bt / w["best_s"] if w["best_s"] else None
            w["speedup_vs_bare_median"] = bt / w["median_s"] if w["median_s"] else None
            if floor:
                w["per_hit_vs_floor_best"] = w["best_ms_per_hit"] / floor
                w["per_hit_vs_floor_median"] = w["median_ms_per_hit"] / (floor_med or floor)
            rt = sc.get("floor_roundtrip", {})
            if rt.get("best_ms"):
                w["per_hit_vs_roundtrip_best"] = w["best_ms_per_hit"] / rt["best_ms"]
                w["per_hit_vs_roundtrip_median"] = w["median_ms_per_hit"] / rt["median_ms"]
                # Round by round: zccache's pass over the floor's beside it (warm_rounds).
                runs = t.get("warm_runs", [])
                if tname == "zccache" and len(runs) == len(rt.get("runs_ms", [])):
                    paired = [r["ms_per_compile"] / f
                              for r, f in zip(runs, rt["runs_ms"])]
                    w["per_hit_vs_roundtrip_paired_median"] = statistics.median(paired)
                    w["per_hit_vs_roundtrip_paired_best"] = min(paired)
        z = tools.get("zccache", {}).get("warm")
        for other in ("ccache", "sccache"):
            o = tools.get(other, {}).get("warm")
            if z and o:
                ratios["zccache_warm_faster_than_%s_best" % other] = o["best_s"] / z["best_s"]
                ratios["zccache_warm_faster_than_%s_median" % other] = o["median_s"] / z["median_s"]
        sc["ratios"] = ratios


def table(results):
    lines = []
    floor = results.get("floor", {})
    lines.append("")
    lines.append("zccache benchmark: %s, %d units, repeat %d, %s" % (
        results["meta"]["compiler_version"], results["meta"]["units"], results["meta"]["repeat"],
        results["meta"]["host"]))
    la0, la1 = results["meta"].get("loadavg_start"), results["meta"].get("loadavg_end")
    if la0 and la1:
        busy = max(la0[0], la1[0], la1[1]) > 0.5 * (results["meta"].get("cpus") or 1)
        lines.append("load average at start %.2f, at end %.2f (1 min)%s" % (
            la0[0], la1[0], "  -- a BUSY machine: timings are noisy" if busy else ""))
    lines.append("")
    if "error" in floor:
        lines.append("floor: %s" % floor["error"])
    else:
        lines.append("%-30s %10s %10s" % ("exec cost (per process)", "best ms", "median ms"))
        for k, v in floor.items():
            if isinstance(v, dict):
                if "error" in v:
                    lines.append("%-30s %s" % (k, v["error"]))
                else:
                    lines.append("%-30s %10.3f %10.3f" % (k, v["best_ms"], v["median_ms"]))
    lines.append("")
    lines.append("cold: one pass, interleaved unit by unit with bare; warm: best and median of the runs;")
    lines.append("ms/hit = warm total / units; speedup = bare total / warm best; /floor = ms/hit best /"
                 " floor best (no-op exec, measured between the scenario's warm runs); /rt = ms/hit best /"
                 " round-trip floor best; objs = objects byte-identical to bare's")
    for name, sc in results["scenarios"].items():
        tools = sc["tools"]
        lines.append("")
        lines.append("== %s: %s" % (name, sc["title"]))
        lines.append("   %s" % sc["command"])
        hdr = "%-8s %-5s %9s %10s %8s %9s %9s %10s %10s %8s %8s %8s %7s %6s %s" % (
            "tool", "run", "total s", "ms/compile", "vs bare", "best s", "median s", "ms/hit bst",
            "ms/hit med", "speedup", "/floor", "/rt", "hits", "objs", "")
        lines.append(hdr)
        lines.append("-" * len(hdr))
        paired_cold = []
        bare = tools.get("bare", {}).get("bare")
        if bare:
            lines.append("%-8s %-5s %9s %10s %8s" % ("bare", "", fmt_s(bare["total_s"]),
                                                    fmt_ms(bare["ms_per_compile"]), "1.00x"))
        for tname, t in tools.items():
            if tname == "bare":
                continue
            if "cold" not in t:
                lines.append("%-8s skipped: %s" % (tname, t.get("skipped") or t.get("error") or "not run"))
                continue
            c = t["cold"]
            cchk = "ok" if not (c["check"]["mismatched"] or c["check"]["missing"]) else "MISMATCH"
            lines.append("%-8s %-5s %9s %10s %8s %9s %9s %10s %10s %8s %8s %8s %7s %6s %s" % (
                tname, "cold", fmt_s(c["total_s"]), fmt_ms(c["ms_per_compile"]), fmt_x(t.get("cold_vs_bare")),
                "", "", "", "", "", "", "", "", cchk, "%d FAILED" % c["failed"] if c["failed"] else ""))
            if t.get("cold_vs_bare_paired_median"):
                paired_cold.append("%s %s" % (tname, fmt_x(t["cold_vs_bare_paired_median"])))
            if "warm" in t:
                w = t["warm"]
                bad = any(r["check"]["mismatched"] or r["check"]["missing"] for r in t["warm_runs"])
                hits = "all" if w["all_hits"] else "NOT ALL"
                nfail = sum(r["failed"] for r in t["warm_runs"])
                lines.append("%-8s %-5s %9s %10s %8s %9s %9s %10s %10s %8s %8s %8s %7s %6s %s" % (
                    tname, "warm", "", "", "", fmt_s(w["best_s"]), fmt_s(w["median_s"]),
                    fmt_ms(w["best_ms_per_hit"]), fmt_ms(w["median_ms_per_hit"]),
                    fmt_x(w.get("speedup_vs_bare_best")), fmt_x(w.get("per_hit_vs_floor_best")),
                    fmt_x(w.get("per_hit_vs_roundtrip_best")), hits,
                    "MISMATCH" if bad else "ok", "%d FAILED" % nfail if nfail else ""))
        if paired_cold:
            lines.append("cold vs bare command by command (median over the units of each cold compile / the bare "
                         "one beside it): " + ", ".join(paired_cold))
        zw = tools.get("zccache", {}).get("warm")
        if name == "tidy" and zw:
            hit = results["scenarios"].get("single", {}).get("tools", {}).get("zccache", {}).get("warm")
            lines.append("warm clang-tidy per file: %s ms best, %s ms median%s" % (
                fmt_ms(zw["best_ms_per_hit"]), fmt_ms(zw["median_ms_per_hit"]),
                "; a compile hit (single): %s ms best" % fmt_ms(hit["best_ms_per_hit"]) if hit else ""))
        r = sc.get("ratios", {})
        for other in ("ccache", "sccache"):
            k = "zccache_warm_faster_than_%s_best" % other
            if k in r:
                lines.append("zccache warm vs %s warm: %s (best), %s (median)%s" % (
                    other, speed_words(r[k]), speed_words(r["zccache_warm_faster_than_%s_median" % other]),
                    "" if tools[other]["warm"]["all_hits"] else "  [%s warm was NOT all hits]" % other))
        if "floor" in sc:
            lines.append("floor during the warm runs (no-op exec): %.3f ms best, %.3f ms median" % (
                sc["floor"]["best_ms"], sc["floor"]["median_ms"]))
        rt = sc.get("floor_roundtrip")
        if rt:
            lines.append("round-trip floor during the warm runs (static C client, one socket round trip, "
                         "server hardlinks the object; its pass right before or after zccache's): %s" % (
                             rt["error"] if "error" in rt else "%.3f ms best, %.3f ms median" % (
                                 rt["best_ms"], rt["median_ms"])))
        pr = sc.get("hit_vs_floor_paired")
        if pr:
            lines.append("zccache hit vs round-trip floor command by command (%s): %s" % (
                "each hit beside the same command through the floor" if "error" in pr else "%d pairs" % pr["pairs"],
                pr["error"] if "error" in pr else
                "%s median, %s total; a hit adds %.0f us (quartiles %.0f, %.0f) to %.3f ms%s" % (
                    fmt_x(pr["median_ratio"]), fmt_x(pr["total_ratio"]), pr["median_extra_us"],
                    pr["q25_extra_us"], pr["q75_extra_us"], pr["floor_median_ms"],
                    "" if pr["all_hits"] else "  [NOT ALL HITS]")))
            if "musl_median_ratio" in pr:
                lines.append("  and vs the same floor client linked statically against musl (as zccache's front is): "
                             "%s median; a hit adds %.0f us to %.3f ms" % (
                                 fmt_x(pr["musl_median_ratio"]), pr["musl_median_extra_us"], pr["musl_floor_median_ms"]))
        half = sc.get("half_changed")
        if half and "bare_changed_only_s" in half:
            lines.append("half changed (%d of %d sources edited, whole command again): bare on the edited "
                         "sources alone %s s" % (half["changed"], half["units"], fmt_s(half["bare_changed_only_s"])))
            for tname in ("zccache", "ccache", "sccache"):
                h = half.get(tname)
                if h:
                    lines.append("  %-8s %s s = %s of bare-on-the-edited-alone; hits %s, misses %s%s" % (
                        tname, fmt_s(h["total_s"]), fmt_x(h["vs_bare_changed_only"]), h["stats"].get("hits", "-"),
                        h["stats"].get("misses", "-"), "" if not h["failed"] else "  FAILED"))
        z = tools.get("zccache", {})
        if "daemon" in z:
            d = z["daemon"]
            lines.append("zccache daemon: VmRSS %s KiB (RssAnon %s, RssFile %s), VmHWM %s KiB, pid %s" % (
                d.get("VmRSS", "?"), d.get("RssAnon", "?"), d.get("RssFile", "?"), d.get("VmHWM", "?"), d.get("pid")))
    # The summary shape: | Scenario | bare | zccache | ccache | sccache |
    lines.append("")
    names = ["zccache", "ccache", "sccache"]
    lines.append("| Scenario | bare | " + " | ".join(names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    for name, sc in results["scenarios"].items():
        tools = sc["tools"]
        bare = tools.get("bare", {}).get("bare")
        if not bare:
            continue
        cold_row = ["%s cold" % name, "%.2f s" % bare["total_s"]]
        warm_row = ["%s warm" % name, "%.2f s" % bare["total_s"]]
        for n in names:
            t = tools.get(n, {})
            if "cold" not in t:
                cold_row.append("skipped")
                warm_row.append("skipped")
                continue
            cold_row.append("%.2f s (%s)" % (t["cold"]["total_s"], fmt_x(t.get("cold_vs_bare"))))
            w = t.get("warm")
            if w:
                warm_row.append("%.3f s, %s, %s ms/hit%s" % (
                    w["median_s"], fmt_x(w.get("speedup_vs_bare_median")), fmt_ms(w["median_ms_per_hit"]),
                    "" if w["all_hits"] else " NOT ALL HITS"))
            else:
                warm_row.append("-")
        lines.append("| " + " | ".join(cold_row) + " |")
        lines.append("| " + " | ".join(warm_row) + " |")
    if "floor_ms_best" in floor:
        lines.append("floor (exec of a %s no-op): %.3f ms best, %.3f ms median" % (
            floor.get("noop_static", floor.get("noop_dynamic", {})).get("binary", "?"),
            floor["floor_ms_best"], floor["floor_ms_median"]))
    for name, sc in results["scenarios"].items():
        w = sc["tools"].get("zccache", {}).get("warm")
        if w and w.get("per_hit_vs_roundtrip_best"):
            lines.append("%s: a zccache hit costs %s the no-op floor and %s the round-trip floor (%.3f ms), "
                         "best; %s and %s by median" % (
                             name, fmt_x(w.get("per_hit_vs_floor_best")), fmt_x(w["per_hit_vs_roundtrip_best"]),
                             sc["floor_roundtrip"]["best_ms"], fmt_x(w.get("per_hit_vs_floor_median")),
                             fmt_x(w.get("per_hit_vs_roundtrip_median"))) +
                         ("; round by round against the floor's pass beside it: %s median, %s best" % (
                             fmt_x(w["per_hit_vs_roundtrip_paired_median"]),
                             fmt_x(w["per_hit_vs_roundtrip_paired_best"]))
                          if "per_hit_vs_roundtrip_paired_median" in w else "") +
                         ("; command by command: %s median" % fmt_x(sc["hit_vs_floor_paired"]["median_ratio"])
                          if "median_ratio" in sc.get("hit_vs_floor_paired", {}) else ""))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(prog="./perf", description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=None, help="translation units (default 50)")
    p.add_argument("--repeat", type=int, default=None, help="warm runs per tool (default 3)")
    p.add_argument("--compiler", default="clang++", help="compiler (default clang++; e.g. g++)")
    p.add_argument("--quick", action="store_true", help="10 units, 1 repeat: a smoke test")
    p.add_argument("--multi", action="store_true",
                   help="also the multi-source scenarios (all units in one compiler process)")
    p.add_argument("--no-rsp", action="store_true", help="skip the response-file scenario")
    p.add_argument("--caches", default="zccache,ccache,sccache",
                   help="comma-separated caches to measure (default zccache,ccache,sccache)")
    p.add_argument("--tools", action="store_true",
                   help="only the tools scenarios: clang-tidy over the corpus and links of its objects")
    p.add_argument("--no-tools", action="store_true", help="skip the tools scenarios")
    p.add_argument("--tidy-units", type=int, default=10,
                   help="units clang-tidy runs over in the tools scenario (default 10)")
    p.add_argument("--json", dest="json_out", default=os.path.join(REPO, "build", "perf", "results.json"),
                   help="where to write the results (default build/perf/results.json)")
    p.add_argument("--bindir", default=os.path.join(REPO, "build", "release", "bin"),
                   help="where zccache and zccache-daemon are")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (printed) for inspection")
    p.add_argument("--timeout", type=int, default=COMPILE_TIMEOUT_S,
                   help="seconds before a compile counts as hung (default %d)" % COMPILE_TIMEOUT_S)
    p.add_argument("--report", metavar="FILE", help="only print the tables of an earlier results JSON")
    p.add_argument("--no-build", action="store_true", help="skip ./build.sh (use the binaries in --bindir)")
    p.add_argument("--build-failed", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--parse-only", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    # The driver changes directory while it runs: a relative --json is the caller's.
    a.json_out = os.path.abspath(a.json_out)
    if a.units is None:
        a.units = 10 if a.quick else 50
    if a.repeat is None:
        a.repeat = 1 if a.quick else 3
    if a.units < 1 or a.repeat < 1:
        p.error("--units and --repeat must be >= 1")
    return a


def tools_named(tools, name):
    return [t for t in tools if t.name == name and t.available]


def tool_version(argv):
    rc, out, err = run_cmd(argv, clean_env())
    return (out or err).strip().splitlines()[0] if rc == 0 and (out or err).strip() else "?"


def main(argv):
    args = parse_args(argv)
    if args.parse_only:  # ./perf checks its options before it installs and builds anything
        return 0
    if args.report:
        with open(args.report) as f:
            results = json.load(f)
        derive(results)
        print(table(results))
        return 0
    if not shutil.which(args.compiler):
        print("perf: compiler %r not found" % args.compiler, file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="zccache-perf-", dir="/tmp")
    cdir = os.path.join(work, "corpus")
    log("work dir %s" % work)
    t_start = time.time()
    exit_code = 0
    bench = None
    try:
        info = corpus.generate(cdir, args.units)
        bench = Bench(args, work, cdir)
        wanted = [t.strip() for t in args.caches.split(",") if t.strip()]
        tools = [Bare(work)]
        for name in ("zccache", "ccache", "sccache"):
            if name not in wanted:
                continue
            t = {"zccache": lambda: Zccache(work, args.bindir, args.build_failed),
                 "ccache": lambda: Ccache(work), "sccache": lambda: Sccache(work)}[name]()
            t.probe()
            if not t.available:
                log("%s: skipped (%s)" % (name, t.why_unavailable))
                if name == "zccache":
                    loud("zccache is not usable: %s" % t.why_unavailable)
                    bench.failures.append("zccache unusable: %s" % t.why_unavailable)
            tools.append(t)
        bench.tools = tools
        if args.build_failed and tools_named(tools, "zccache"):
            bench.warn("./build.sh failed: zccache binaries (if any) are from an earlier build")

        deps = run_cmd([args.compiler, "-std=c++17", "-Iinclude", "-M", "src/u0.cpp"], clean_env(), cwd=cdir)
        ndeps = len([w for w in deps[1].replace("\\\n", " ").split()[1:]]) if deps[0] == 0 else None
        results = {
            "meta": {
                "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "host": "%s, %d CPU, %s" % (platform.node(), os.cpu_count() or 0, platform.release()),
                "compiler": args.compiler,
                "compiler_version": tool_version([args.compiler, "--version"]),
                "units": args.units, "repeat": args.repeat, "quick": args.quick,
                "zccache_build_failed": args.build_failed,
                "cpus": os.cpu_count(),
                "loadavg_start": [round(x, 2) for x in os.getloadavg()],
                "versions": {t.name: t.version for t in tools[1:] if t.version},
                "unavailable": {t.name: t.why_unavailable for t in tools[1:] if not t.available},
                "git_commit": run_cmd(["git", "-C", REPO, "rev-parse", "HEAD"], clean_env())[1].strip(),
                "corpus": dict(info, files_read_by_u0=ndeps),
            },
            "scenarios": {},
        }
        log("corpus: %d units, u0 reads %s files; tools: %s" % (
            args.units, ndeps, ", ".join("%s%s" % (t.name, "" if t.available else " (skipped)") for t in tools)))

        log("floor: exec of a no-op, and each cache client's --version")
        results["floor"] = bench.floor()

        scenarios = [Scenario("single", "one unit per process, serial", args.units, args.compiler, False, False)]
        if args.tools:
            scenarios = []
        elif not args.no_rsp:
            scenarios.append(Scenario("rsp", "one unit per process, flags from nested response files "
                                      "(%d arguments)" % info["rsp_expanded_args"], args.units,
                                      args.compiler, True, False))
        if args.multi and not args.tools:
            scenarios.append(Scenario("multi", "all units in one compiler process", args.units,
                                      args.compiler, False, True))
            if not args.no_rsp:
                scenarios.append(Scenario("multi-rsp", "all units in one process, response files",
                                          args.units, args.compiler, True, True))
        if not args.no_tools:
            scenarios += tools_scenarios.scenarios(args)
        for sc in scenarios:
            results["scenarios"][sc.name] = bench.scenario(sc)

        results["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        derive(results)
        results["failures"] = bench.failures
        results["warnings"] = bench.warnings
        results["elapsed_s"] = round(time.time() - t_start, 1)
        print(table(results), flush=True)
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2, sort_keys=False)
            f.write("\n")
        print("\nresults: %s (%.0f s)" % (args.json_out, time.time() - t_start))
        if bench.warnings:
            print("\nwarnings:")
            for w in bench.warnings:
                print("  - " + w)
        if bench.failures:
            print("\nFAILED:")
            for f_ in bench.failures:
                print("  - " + f_)
            exit_code = 1
        else:
            print("\nOK: every object byte-identical to the bare compiler's%s" % (
                "; zccache warm runs all hits" if tools_named(bench.tools, "zccache") else ""))
    except KeyboardInterrupt:
        log("interrupted")
        exit_code = 130
    finally:
        if bench is not None:
            for t in getattr(bench, "tools", []):
                try:
                    t.end()
                except Exception as e:  # cleanup must not mask the result
                    log("cleanup of %s: %s" % (t.name, e))
        os.chdir("/")
        if args.keep:
            log("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
