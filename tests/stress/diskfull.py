#!/usr/bin/env python3
"""Disk full and I/O errors under zccache (issue 8, item 6): builds never fail, the cache recovers.

Phases, each compiling sources of ~64 KiB objects (random data, so nothing compresses) through
`zccache gcc -c`, every compile checked against a bare compile of the same source: exit code 0,
same stdout/stderr, identical object.

  full      ZCCACHE_DIR is a 2 MiB tmpfs (`mount -t tmpfs -o size=2m`); 48 sources compiled twice
            (about 3 MiB of objects): the cache fills, every build succeeds, and the daemon counts
            the failed stores (`errors` in `zccache status --json` > 0).
  recover   the tmpfs remounted at 64 MiB: a new source is a miss, then a hit.
  readonly  a read-only bind mount over ZCCACHE_DIR while the daemon runs (the tmpfs itself
            cannot be remounted read-only with the daemon's files open for writing): hits and
            misses still succeed.
  deleted   (no mount needed) ZCCACHE_DIR, a plain directory, removed (`rm -rf`) while the daemon
            runs: hits of what was cached and misses still succeed.

The daemon must survive full and readonly (same pid; a crash would otherwise hide behind the next
client starting a new one). The mount phases need root and mount permission: without them they are
skipped with a message and, when no phase could run at all, exit status 77 (ctest: skipped).
Everything mounted is unmounted on every path (try/finally).

Standalone:  tests/stress/diskfull.py [--zccache PATH] [--keep]
Exit codes:  0 all good, 1 a failed build, a wrong object or a missing recovery, 2 setup problem,
             77 skipped (mount not permitted and --no-deleted).
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import differential as diff  # noqa: E402  (find_zccache, cache_status)
import kill  # noqa: E402  (processes: our daemon's pid)

INTS = 16384   # 64 KiB of .data a source


def source_text(seed):
    rng = random.Random(seed)
    values = ",".join(str(rng.getrandbits(31)) for _ in range(INTS))
    return f"int data_{seed}[{INTS}] = {{{values}}};\nint get_{seed}(int i) {{ return data_{seed}[i]; }}\n"


class Checker:
    def __init__(self, zccache, proj, env):
        self.zccache, self.proj, self.env = zccache, proj, env
        self.compiles = 0
        self.problems = []

    def write(self, n):
        path = self.proj / f"s{n}.c"
        if not path.exists():
            path.write_text(source_text(n))

    def run(self, cc, n, out):
        p = subprocess.run(cc + ["-c", f"s{n}.c", "-o", out], cwd=self.proj, env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def compile(self, phase, n):
        """One compile through zccache, compared with bare; True when equal."""
        self.write(n)
        rc_b, so_b, se_b = self.run(["gcc"], n, f"bare{n}.o")
        if rc_b != 0:
            raise RuntimeError(f"bare compile of s{n}.c failed: {se_b.decode()}")
        obj = self.proj / f"z{n}.o"
        if obj.exists():
            obj.unlink()
        rc, so, se = self.run([self.zccache, "gcc"], n, obj.name)
        self.compiles += 1
        what = f"{phase}: s{n}.c"
        if rc != 0:
            self.problems.append(f"{what}: exit {rc}: {se.decode(errors='replace')[:400]}")
        elif (so, se) != (so_b, se_b):
            self.problems.append(f"{what}: output differs: {se.decode(errors='replace')[:400]!r} vs bare {se_b[:400]!r}")
        elif not obj.exists():
            self.problems.append(f"{what}: no object")
        elif obj.read_bytes() != (self.proj / f"bare{n}.o").read_bytes():
            self.problems.append(f"{what}: object differs from bare")
        else:
            return True
        return False


def can_mount(where):
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode(errors="replace").strip()


def umount(where):
    if subprocess.run(["umount", str(where)], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["umount", "-l", str(where)], stderr=subprocess.DEVNULL)


def remount(where, opts):
    subprocess.run(["mount", "-o", "remount," + opts, str(where)], check=True)


def stop(zccache, env):
    """Stops the daemon of env's ZCCACHE_DIR; by its pid when its socket is gone (deleted phase)."""
    subprocess.run([zccache, "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    daemon = os.path.join(os.path.dirname(zccache), "zccache-daemon")
    for pid in kill.processes(daemon, env["ZCCACHE_DIR"]):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zccache", default=None, help="the zccache client (zccache-daemon beside it)")
    ap.add_argument("--sources", type=int, default=48, help="sources compiled to fill the 2 MiB cache (default 48)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    found = diff.resolve_zccache(args.zccache, "diskfull")
    if not found:
        return 2
    zccache, daemon = found

    base = Path(tempfile.mkdtemp(prefix="zccache-diskfull-"))
    proj = base / "proj"
    proj.mkdir()
    mnt = base / "cache"
    mnt.mkdir()
    env = diff.stress_env()
    print(f"diskfull: work dir {base}", flush=True)
    chk = Checker(zccache, proj, env)
    report = []
    mounted = False
    ran_mount_phases = False

    def status(e):
        s = diff.cache_status(zccache, e)
        return {k: int(s.get(k, 0) or 0) for k in ("hits", "misses", "stored", "errors")}

    def daemon_pids(e):
        return kill.main_processes(daemon, e["ZCCACHE_DIR"])

    try:
        ok, why = (False, "not root") if os.geteuid() != 0 else can_mount(mnt)
        if not ok:
            print(f"diskfull: SKIP full/recover/readonly: cannot mount a tmpfs ({why})", flush=True)
        else:
            mounted = True
            ran_mount_phases = True
            env_t = dict(env, ZCCACHE_DIR=str(mnt))
            chk.env = env_t
            # full: the first compile starts the daemon; then fill.
            chk.compile("full", 0)
            pids0 = daemon_pids(env_t)
            for n in range(args.sources):
                chk.compile("full", n)
                chk.compile("full", n)   # a hit when stored, a miss again when the store failed
            st = status(env_t)
            df = shutil.disk_usage(mnt)
            report.append(f"full      {2 * args.sources + 1} compiles on a 2 MiB tmpfs "
                          f"({df.free // 1024} KiB left): status {st}")
            if st["errors"] <= 0:
                chk.problems.append(f"full: the failed stores are not counted in status: {st}")
            if daemon_pids(env_t) != pids0 or not pids0:
                chk.problems.append(f"full: the daemon died (pids {pids0} before, {daemon_pids(env_t)} after)")

            # recover: more space, a new source is a miss then a hit.
            remount(mnt, "size=64m")
            st0 = status(env_t)
            chk.compile("recover", 1000)
            chk.compile("recover", 1000)
            st1 = status(env_t)
            report.append(f"recover   remounted at 64 MiB: misses +{st1['misses'] - st0['misses']}, "
                          f"stored +{st1['stored'] - st0['stored']}, hits +{st1['hits'] - st0['hits']}")
            if st1["hits"] - st0["hits"] < 1 or st1["stored"] - st0["stored"] < 1:
                chk.problems.append(f"recover: no store and hit after space returned: {st0} -> {st1}")

            # readonly: the tmpfs remounted read-only under the live daemon.
            pids0 = daemon_pids(env_t)
            # `mount -o remount,ro` of the tmpfs itself is refused while the daemon holds files
            # open for writing (LMDB): a read-only bind mount over it makes every new open fail.
            subprocess.run(["mount", "--bind", str(mnt), str(mnt)], check=True)
            try:
                remount(mnt, "bind,ro")
                st0 = status(env_t)
                chk.compile("readonly", 1000)          # cached: a hit
                for n in range(2000, 2004):             # misses that cannot be stored
                    chk.compile("readonly", n)
                    chk.compile("readonly", n)
                st1 = status(env_t)
            finally:
                umount(mnt)   # the bind mount; the tmpfs stays
            report.append(f"readonly  9 compiles on a read-only ZCCACHE_DIR: hits +{st1['hits'] - st0['hits']}, "
                          f"misses +{st1['misses'] - st0['misses']}, errors +{st1['errors'] - st0['errors']}")
            if st1["errors"] - st0["errors"] <= 0:
                chk.problems.append(f"readonly: the failed stores are not counted in status: {st0} -> {st1}")
            if daemon_pids(env_t) != pids0:
                chk.problems.append(f"readonly: the daemon died (pids {pids0} before, {daemon_pids(env_t)} after)")
            stop(zccache, env_t)

        # deleted: a plain directory removed under the live daemon.
        plain = base / "plain-cache"
        env_p = dict(env, ZCCACHE_DIR=str(plain))
        chk.env = env_p
        for n in (3000, 3001):
            chk.compile("deleted", n)
            chk.compile("deleted", n)
        shutil.rmtree(plain)
        for n in (3000, 3001, 3002, 3003, 3002):
            chk.compile("deleted", n)
        report.append(f"deleted   ZCCACHE_DIR removed under the daemon: 5 compiles after, "
                      f"{len([p for p in chk.problems if p.startswith('deleted')])} failed")
        stop(zccache, env_p)
    finally:
        if mounted:
            stop(zccache, dict(env, ZCCACHE_DIR=str(mnt)))
            umount(mnt)
        stop(zccache, dict(env, ZCCACHE_DIR=str(base / "plain-cache")))

    print("\n=== zccache disk-full summary ===")
    for line in report:
        print(line)
    print(f"compiles        {chk.compiles} through zccache, each compared with bare")
    print(f"problems        {len(chk.problems)}")
    for p in chk.problems[:40]:
        print(f"  {p}")
    code = 1 if chk.problems else 0
    if code == 0 and not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"work dir kept: {base}")
    if code == 0 and not ran_mount_phases:
        return 77
    return code


if __name__ == "__main__":
    sys.exit(main())
