#!/usr/bin/env python3
"""Kill stress test for zccache (issue 8, item 2): the daemon and the clients die at random.

The project of differential.py (about 30 C/C++ sources and 40 headers) is built again and again
with `make -jJ` through zccache (CC="zccache gcc", its own ZCCACHE_DIR in a temporary directory),
each build from a fresh copy of the sources at ONE absolute path, while the daemon or the clients
are killed at random moments. Every round draws a variant of the project (toolchain gcc or clang,
and a -DLEVEL value) and two rounds in five start with `zccache clear`, so kills land in misses and
stores as well as in hits; the bare compiler builds each variant once, at the same path, as the
reference. Kinds of round:

  daemon   kill -9 of the daemon, 1 to 3 times during the build: make must succeed, every file
           of the tree (objects, depfiles, app) and make's output must equal the bare build's.
  client   kill -9 of running zccache client processes: their make targets fail (as with a
           killed compiler), nothing else may; once orphaned compilers are gone, a clean rebuild
           through zccache must succeed and equal bare (a killed client stores nothing wrong).
  term     the daemon stopped mid-build by `zccache stop` or SIGTERM: as for daemon.

At the end every variant built so far is rebuilt clean through zccache with a live daemon: it must
equal bare and hit the cache (the cache serves only correct objects after all those deaths).

Standalone:  tests/stress/kill.py --kills 100 [--seed S] [--zccache PATH] [--keep]
Exit codes:  0 all good, 1 a failed build or a difference, 2 setup problem or nothing exercised.
Standard library only; reuses differential.py's project generator and tree comparison.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import differential as diff  # noqa: E402  (the project generator, make and tree comparison)


def processes(exe, cache_dir):
    """Pids of live processes running `exe` with ZCCACHE_DIR=cache_dir: ours, never another
    user's or another test's daemon or client (the machine is shared)."""
    want = ("ZCCACHE_DIR=" + cache_dir).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") != exe:
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                if want not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue  # a zombie: already dead
        except OSError:
            continue
        pids.append(int(entry))
    return pids


def main_processes(exe, cache_dir):
    """processes() without the children of one of them: a daemon's child between fork and exec
    (a compiler probe, its start-up index check) runs `exe` too, and is gone a moment later."""
    pids = processes(exe, cache_dir)

    def parent(pid):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                return int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
    return [p for p in pids if parent(p) not in pids]


def wait_for_cwd_free(path, timeout_s=120):
    """Waits until no process works in `path` (compilers orphaned by a killed client)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        busy = False
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink(f"/proc/{entry}/cwd").startswith(path):
                        busy = True
                        break
                except OSError:
                    pass
        if not busy:
            return True
        time.sleep(0.05)
    return False


class Killer(threading.Thread):
    """Kills at random moments of one build: `count` times, spread over about `span_s` seconds."""

    def __init__(self, kind, count, span_s, rng, zccache, daemon, env):
        super().__init__(daemon=True)
        self.kind, self.count, self.span_s, self.rng = kind, count, span_s, rng
        self.zccache, self.daemon, self.env = zccache, daemon, env
        self.done = threading.Event()   # set by the main thread when make has returned
        self.kills = 0
        self.victims = 0                # client processes killed

    def run(self):
        cache_dir = self.env["ZCCACHE_DIR"]
        for _ in range(self.count):
            if self.done.wait(self.rng.uniform(0.02, self.span_s / self.count)):
                return
            # Retry for a while when nothing is there to kill (the daemon not restarted yet, or no
            # client running at this instant): a kill counts only when it hit a process.
            while not self.done.is_set():
                if self.kind == "client":
                    pids = processes(self.zccache, cache_dir)
                    if pids:
                        victims = self.rng.sample(pids, self.rng.randint(1, min(3, len(pids))))
                        for pid in victims:
                            try:
                                os.kill(pid, signal.SIGKILL)
                                self.victims += 1
                            except ProcessLookupError:
                                pass
                        self.kills += 1
                        break
                else:
                    pids = processes(self.daemon, cache_dir)
                    if pids:
                        if self.kind == "daemon":
                            os.kill(pids[0], signal.SIGKILL)
                        elif self.rng.random() < 0.5:
                            os.kill(pids[0], signal.SIGTERM)
                        else:
                            subprocess.run([self.zccache, "stop"], env=self.env, timeout=60,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        self.kills += 1
                        break
                time.sleep(0.005)


def fresh_tree(pristine, fixed, variant):
    """A fresh copy of the sources at the build path, set up for `variant` (toolchain, level)."""
    if fixed.exists():
        shutil.rmtree(fixed)
    shutil.copytree(pristine, fixed, symlinks=True)
    tc, level = variant
    (fixed / "toolchain.stamp").write_text(tc[0] + "\n")
    (fixed / "flags.mk").write_text(diff.render_flags(list(diff.IDIRS), [f"-DLEVEL={level}", "-DFEATURE_A"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20,
                    help="kill -9s of the daemon to reach (client and SIGTERM rounds come on top)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--zccache", default=None, help="the zccache client (zccache-daemon beside it)")
    ap.add_argument("--jobs", type=int, default=4, help="make -j (default 4)")
    ap.add_argument("--levels", type=int, default=4,
                    help="-DLEVEL values per toolchain: the variants a round draws from (default 4)")
    ap.add_argument("--gcc-only", action="store_true", help="never use clang")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    print(f"kill: seed {seed} (reproduce the choices with --seed {seed}; the moments are timing)", flush=True)
    found = diff.resolve_zccache(args.zccache, "kill")
    if not found:
        return 2
    zccache, daemon = found
    for tool in ("make", "gcc", "g++"):
        if not shutil.which(tool):
            print(f"kill: {tool} is not installed", file=sys.stderr)
            return 2
    toolchains = [("gcc", "g++")]
    if not args.gcc_only and shutil.which("clang") and shutil.which("clang++"):
        toolchains.append(("clang", "clang++"))

    def on_term(signum, frame):
        raise KeyboardInterrupt  # ctest's timeout: still stop the daemon and report
    signal.signal(signal.SIGTERM, on_term)

    rng = random.Random(seed)
    base = Path(tempfile.mkdtemp(prefix="zccache-kill-"))
    fixed = base / "proj"          # the ONE absolute path of every build
    pristine = base / "pristine"
    refs = base / "refs"
    cache_dir = base / "cache"
    env = diff.stress_env(cache_dir)
    print(f"kill: work dir {base}, build path {fixed}, ZCCACHE_DIR {cache_dir}", flush=True)

    files, _ = diff.gen_project(rng)
    tree = diff.Tree("pristine", pristine)
    diff.apply_ops(tree, [("write", rel, text) for rel, text in sorted(files.items())])

    variants = [(tc, level) for tc in toolchains for level in range(1, args.levels + 1)]
    ref_seconds = {}
    failures = []    # (round, kind, text)
    counts = {"daemon": 0, "client": 0, "term": 0}
    victims = 0
    rounds = 0
    builds = 0
    t_start = time.time()
    exit_code = 0
    last_s = None   # duration of the last undisturbed warm build through zccache

    def reference(variant):
        """The bare build of a variant at the build path, kept under refs/ (built once)."""
        key = f"{variant[0][0]}-{variant[1]}"
        if key not in ref_seconds:
            fresh_tree(pristine, fixed, variant)
            t0 = time.time()
            rc, out = diff.run_make(fixed, variant[0][0], variant[0][1], env, args.jobs)
            ref_seconds[key] = (time.time() - t0, rc, diff.normalize_output(out, zccache))
            if rc != 0:
                raise RuntimeError(f"the bare build of {key} failed:\n{out}")
            refs.mkdir(exist_ok=True)
            os.rename(fixed, refs / key)
        return refs / key, ref_seconds[key]

    def zccache_build(variant, killer=None):
        fresh_tree(pristine, fixed, variant)
        tc = variant[0]
        if killer:
            killer.start()
        try:
            rc, out = diff.run_make(fixed, f"{zccache} {tc[0]}", f"{zccache} {tc[1]}", env, args.jobs)
        finally:
            if killer:
                killer.done.set()
                killer.join()
        return rc, diff.normalize_output(out, zccache)

    def check(rnd, kind, variant, rc, out):
        ref_dir, (_, _, ref_out) = reference(variant)
        problems = []
        if rc != 0:
            problems.append(f"make failed (rc {rc}): {[l for l in out if 'rror' in l][:6]}")
        elif out != ref_out:
            only_a = [l for l in out if l not in ref_out]
            only_b = [l for l in ref_out if l not in out]
            problems.append(f"make output differs: only with zccache {only_a[:6]}; only bare {only_b[:6]}")
        problems += [f"{rel}: {text}" for rel, text in diff.compare_trees(fixed, ref_dir)]
        for p in problems:
            failures.append((rnd, kind, p))
            print(f"  FAILURE round {rnd} ({kind}, {variant[0][0]} LEVEL={variant[1]}): {p}", flush=True)
        if problems:
            save = base / "failed" / f"round-{rnd}"
            shutil.copytree(fixed, save, symlinks=True)
            print(f"  tree saved to {save}", flush=True)
        return not problems

    try:
        while counts["daemon"] < args.kills:
            rnd = rounds
            variant = rng.choice(variants)
            ref_dir, (ref_s, _, _) = reference(variant)
            # Mostly daemon kills; every third round kills clients or stops the daemon instead.
            kind = rng.choice(["daemon", "daemon", "daemon", "daemon", "client", "term"])
            n = rng.randint(1, 3) if kind != "client" else rng.randint(1, 2)
            # Two rounds in five start from an empty cache, so that kills also land in misses and
            # stores once every variant is cached (`zccache clear` starts a daemon if none runs).
            cleared = rng.random() < 0.4
            if cleared:
                subprocess.run([zccache, "clear"], env=env, timeout=60,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The moments spread over the build's expected duration: the bare build's for a cold
            # cache, else the last build's through zccache.
            span = ref_s if cleared or last_s is None else last_s
            killer = Killer(kind, n, max(span, 0.3), random.Random(rng.random()), zccache, daemon, env)
            t0 = time.time()
            rc, out = zccache_build(variant, killer)
            if not cleared and killer.kills == 0:
                last_s = time.time() - t0
            builds += 1
            counts[kind] += killer.kills
            victims += killer.victims
            note = (("cold, " if cleared else "") + f"{killer.kills} kill(s)"
                    + (f", {killer.victims} client(s)" if kind == "client" else ""))
            if kind == "client":
                # Killed clients fail their targets, as killed compilers would; their orphaned
                # compilers finish on their own. Then everything again, undisturbed.
                if not wait_for_cwd_free(str(fixed)):
                    failures.append((rnd, kind, "orphaned compilers still running after 120 s"))
                make_rc = rc
                rc, out = zccache_build(variant)
                builds += 1
                note += f", killed build rc {make_rc}, rebuild rc {rc}"
            ok = check(rnd, kind, variant, rc, out)
            print(f"round {rnd:3d} {kind:6s} [{variant[0][0]:5s} LEVEL={variant[1]}] {note}"
                  f"{'' if ok else ' FAILED'} | daemon kills so far {counts['daemon']}", flush=True)
            rounds += 1
            if rounds > 20 * args.kills + 20:
                print("kill: too many rounds without kills: is the daemon ever started?", file=sys.stderr)
                exit_code = 2
                break

        # The cache after all that: every variant seen, clean, with a live daemon, equal to bare.
        st0 = diff.cache_status(zccache, env)
        for key in sorted(ref_seconds):
            variant = next(v for v in variants if f"{v[0][0]}-{v[1]}" == key)
            rc, out = zccache_build(variant)
            builds += 1
            ok = check("final", "warm", variant, rc, out)
            print(f"final warm build [{variant[0][0]:5s} LEVEL={variant[1]}]: {'ok' if ok else 'FAILED'}",
                  flush=True)
        st1 = diff.cache_status(zccache, env)
        warm_hits = int(st1.get("hits", 0) or 0) - int(st0.get("hits", 0) or 0)
        warm_misses = int(st1.get("misses", 0) or 0) - int(st0.get("misses", 0) or 0)
    except KeyboardInterrupt:
        print("kill: interrupted")
        exit_code = 1
        st1, warm_hits, warm_misses = {}, 0, 0
    finally:
        subprocess.run([zccache, "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)

    print("\n=== zccache kill stress summary ===")
    print(f"seed            {seed}")
    print(f"rounds          {rounds} ({builds} builds through zccache, {len(ref_seconds)} variants built bare)")
    print(f"daemon kill -9  {counts['daemon']}")
    print(f"client kill -9  {counts['client']} moments, {victims} clients")
    print(f"daemon stopped  {counts['term']} (SIGTERM or `zccache stop`)")
    print(f"final warm      {warm_hits} hits, {warm_misses} misses")
    print(f"cache totals    hits {st1.get('hits')}, misses {st1.get('misses')}, stored {st1.get('stored')}, "
          f"errors {st1.get('errors')} (as status reports them)")
    print(f"failures        {len(failures)}")
    print(f"time            {time.time() - t_start:.1f} s")
    for rnd, kind, text in failures:
        print(f"  round {rnd} ({kind}): {text}")
    if failures:
        exit_code = 1
    elif exit_code == 0 and warm_hits <= 0:
        print("kill: the final warm build never hit: the cache was not exercised", file=sys.stderr)
        exit_code = 2
    if exit_code == 0 and not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"work dir kept: {base}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
