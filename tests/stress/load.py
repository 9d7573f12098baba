#!/usr/bin/env python3
"""Load test for zccache (issue 8, item 5): many concurrent clients against ONE daemon.

A small generated project (20 tiny C sources sharing one header) is compiled by C concurrent
clients (threads, each running `zccache gcc -c` processes one after the other), R requests EACH
(so C x R in total), all with one ZCCACHE_DIR and so one daemon. A request draws a source and a
variant (-DVARIANT=0..3, two of them with -O2); requests are mostly hits, with misses mixed in:
  * about 1 % (--miss-rate) carry a unique -DSALT=n (always a miss, compared with a bare compile
    made afterwards);
  * about 0.5 % edit one of four "hot" sources (atomic rename to one of three same-size contents),
    so later requests of that source miss until every content is cached.
Every result is checked: exit code 0, stdout and stderr equal to the bare compiler's, and the
object byte-for-byte equal to a bare compile of the same source content and variant. For a hot
source edited while the request ran, the object must equal the bare object of one of the contents
current during the request (the edit counter is read before and after it).

The daemon's VmRSS/VmHWM (/proc/<pid>/status) and its open fds (/proc/<pid>/fd) are reported after
a warm-up pass (one request of every source and variant) and after the load; the run fails when
the fds grew by more than --fd-slack (a leak), when the daemon changed (it crashed or restarted),
when the daemon counted an error (`zccache status --json`), or when no request hit or missed.
Memory is reported, not asserted (RSS depends on the allocator; no timing asserts either).

Standalone:  tests/stress/load.py --clients 32 --requests 5000 [--seed S] [--zccache PATH]
Exit codes:  0 all good, 1 an error or a wrong output or a leak, 2 setup problem.
Standard library only; reuses kill.py (processes) and differential.py (find_zccache, cache_status).
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import differential as diff  # noqa: E402  (find_zccache, cache_status)
import kill  # noqa: E402  (processes: our daemon's pid, never another test's)

SOURCES = 20
HOT = 4              # sources 0..HOT-1 are edited during the run
CONTENTS = 3         # contents a hot source cycles through
VARIANTS = [["-DVARIANT=0"], ["-DVARIANT=1"], ["-DVARIANT=2", "-O2"], ["-DVARIANT=3", "-O2"]]


def source_text(i, content):
    # Same size for every content (the edit is a one-digit change), so only the content tells.
    return (f'#include "common.h"\n'
            f"static int table_{i}[] = {{ {i}, {content}, COMMON_VALUE, VARIANT }};\n"
            f"int f_{i}(int x) {{\n"
            f"#if VARIANT >= 2\n  for (int k = 0; k < 4; ++k) x = x * 3 + table_{i}[k];\n"
            f"#else\n  x += table_{i}[x & 3];\n#endif\n"
            f"#ifdef SALT\n  x += SALT;\n#endif\n"
            f"  return x + {content};\n}}\n")


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                out[key] = value.strip()
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    ap.add_argument("--requests", type=int, default=200, help="requests PER client (default 200)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--zccache", default=None, help="the zccache client (zccache-daemon beside it)")
    ap.add_argument("--fd-slack", type=int, default=8,
                    help="open fds the daemon may gain over the load before it counts as a leak (default 8)")
    ap.add_argument("--miss-rate", type=float, default=0.01,
                    help="share of requests with a unique -DSALT (always a miss; default 0.01)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    print(f"load: seed {seed}, {args.clients} clients x {args.requests} requests", flush=True)
    found = diff.resolve_zccache(args.zccache, "load")
    if not found:
        return 2
    zccache, daemon = found
    if not shutil.which("gcc"):
        print("load: gcc is not installed", file=sys.stderr)
        return 2

    rng = random.Random(seed)
    base = Path(tempfile.mkdtemp(prefix="zccache-load-"))
    proj = base / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "out").mkdir()
    cache_dir = base / "cache"
    env = diff.stress_env(cache_dir)
    print(f"load: work dir {base}", flush=True)

    (proj / "src" / "common.h").write_text("#define COMMON_VALUE 7\n#ifndef VARIANT\n#define VARIANT 0\n#endif\n")
    for i in range(SOURCES):
        (proj / "src" / f"s{i}.c").write_text(source_text(i, 0))

    def compile_cmd(cc, i, variant, salt, out):
        cmd = cc + ["-c", f"src/s{i}.c", "-o", out] + VARIANTS[variant]
        if salt is not None:
            cmd.append(f"-DSALT={salt}")
        return cmd

    def run(cmd):
        p = subprocess.run(cmd, cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        return p.returncode, p.stdout, p.stderr

    # The bare reference of every (source, content, variant), compiled at the same path from a
    # scratch copy of the sources so that the real tree is never touched.
    refs = {}
    ref_lock = threading.Lock()
    ref_dir = base / "ref"

    def bare(i, content, variant, salt=None):
        key = (i, content, variant, salt)
        with ref_lock:
            if key in refs:
                return refs[key]
        # Compiled in a scratch directory with the same relative names: without -g the object
        # names the source only by its basename (the FILE symbol), so the directory does not matter.
        ref_dir.mkdir(exist_ok=True)
        d = Path(tempfile.mkdtemp(dir=ref_dir))   # two threads may build the same key at once
        (d / "src").mkdir()
        shutil.copy(proj / "src" / "common.h", d / "src" / "common.h")
        (d / "src" / f"s{i}.c").write_text(source_text(i, content))
        p = subprocess.run(compile_cmd(["gcc"], i, variant, salt, "x.o"), cwd=d, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if p.returncode != 0:
            raise RuntimeError(f"bare compile failed: {p.stderr.decode()}")
        value = ((d / "x.o").read_bytes(), p.stdout, p.stderr)
        shutil.rmtree(d)
        with ref_lock:
            refs[key] = value
        return value

    # Hot sources: edit counter per source; content = counter % CONTENTS. An edit writes a temp
    # file and renames it over the source, under the source's lock (requests do not take it).
    # started[i] counts edits begun (before the rename), edits[i] edits done (after it): a request
    # may see any content from edits[i] at its start to started[i] at its end.
    started = [0] * SOURCES
    edits = [0] * SOURCES
    edit_locks = [threading.Lock() for _ in range(SOURCES)]
    salt_counter = [0]
    salt_lock = threading.Lock()

    def edit(i):
        with edit_locks[i]:
            n = edits[i] + 1
            started[i] = n
            tmp = proj / "src" / f".s{i}.c.tmp"
            tmp.write_text(source_text(i, n % CONTENTS))
            os.rename(tmp, proj / "src" / f"s{i}.c")
            edits[i] = n

    errors = []
    counts = {"requests": 0, "salted": 0, "edits": 0, "hot_window": 0}
    count_lock = threading.Lock()

    def one_request(client, r, crng, check_only=None):
        i, variant = check_only if check_only else (crng.randrange(SOURCES), crng.randrange(len(VARIANTS)))
        salt = None
        if not check_only:
            roll = crng.random()
            if roll < 0.005 and i < HOT:
                edit(i)
                with count_lock:
                    counts["edits"] += 1
            elif roll < 0.005 + args.miss_rate:
                with salt_lock:
                    salt_counter[0] += 1
                    salt = salt_counter[0]
        out = f"out/c{client}.o"
        try:
            os.unlink(proj / out)
        except FileNotFoundError:
            pass
        before = edits[i]
        rc, so, se = run(compile_cmd([zccache, "gcc"], i, variant, salt, out))
        after = started[i]
        what = f"client {client} request {r}: s{i}.c variant {variant} salt {salt}"
        if rc != 0:
            errors.append(f"{what}: exit {rc}: {se.decode(errors='replace')[:300]}")
            return
        try:
            obj = (proj / out).read_bytes()
        except OSError as e:
            errors.append(f"{what}: no object ({e})")
            return
        contents = {n % CONTENTS for n in range(before, after + 1)}
        for content in sorted(contents):
            ref = bare(i, content, variant, salt)
            if (obj, so, se) == ref:
                break
        else:
            other = [c for c in range(CONTENTS) if i < HOT and (obj, so, se) == bare(i, c, variant, salt)]
            errors.append(f"{what}: output differs from bare (contents {sorted(contents)}, "
                          f"equals the bare object of content {other} instead, "
                          f"{diff.describe_bytes_diff(obj, bare(i, min(contents), variant, salt)[0])})")
        with count_lock:
            counts["requests"] += 1
            counts["salted"] += salt is not None
            counts["hot_window"] += len(contents) > 1

    def client_loop(client, crng, n):
        for r in range(n):
            try:
                one_request(client, r, crng)
            except Exception as e:  # noqa: BLE001  (a broken request is an error, not a crash)
                errors.append(f"client {client} request {r}: {e!r}")

    t_start = time.time()
    exit_code = 0
    try:
        # Warm-up: every (source, variant) once, so that the daemon's caches, thread pools and the
        # LMDB map are in their steady state before the "before" numbers.
        wrng = random.Random(rng.random())
        pairs = [(i, v) for i in range(SOURCES) for v in range(len(VARIANTS))]
        for n, pair in enumerate(pairs):
            one_request(0, -1 - n, wrng, check_only=pair)
        counts.update({k: 0 for k in counts})   # the summary counts the load only
        pids = kill.processes(daemon, str(cache_dir))
        if len(pids) != 1:
            print(f"load: expected one daemon after the warm-up, found {pids}", file=sys.stderr)
            return 2
        pid = pids[0]
        st0 = diff.cache_status(zccache, env)
        before = proc_status(pid)
        print(f"load: daemon {pid} before: {before}", flush=True)

        threads = [threading.Thread(target=client_loop, args=(c, random.Random(rng.random()), args.requests))
                   for c in range(args.clients)]
        t_load = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        load_s = time.time() - t_load
        st1 = diff.cache_status(zccache, env)
        # The daemon finishes a miss's store after the client's reply: let the fd count settle.
        after = proc_status(pid)
        for _ in range(50):
            time.sleep(0.1)
            now = proc_status(pid)
            if now["fds"] == after["fds"]:
                break
            after = now
        pids = kill.processes(daemon, str(cache_dir))
        print(f"load: daemon {pid} after:  {after}", flush=True)
    except KeyboardInterrupt:
        print("load: interrupted")
        return 1
    finally:
        subprocess.run([zccache, "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def delta(key):
        return int(st1.get(key, 0) or 0) - int(st0.get(key, 0) or 0)

    problems = list(errors)
    if pids != [pid]:
        problems.append(f"the daemon changed during the load: {pid} before, {pids} after (crash or restart)")
    if after["fds"] > before["fds"] + args.fd_slack:
        problems.append(f"fd leak: {before['fds']} open fds before the load, {after['fds']} after")
    if delta("errors") != 0:
        problems.append(f"the daemon counted {delta('errors')} error(s) during the load")
    if delta("hits") <= 0 or delta("misses") <= 0:
        problems.append(f"load not mixed: {delta('hits')} hits, {delta('misses')} misses")

    print("\n=== zccache load summary ===")
    print(f"seed            {seed}")
    print(f"requests        {counts['requests']} checked of {args.clients} x {args.requests} "
          f"({counts['salted']} salted misses, {counts['edits']} edits, "
          f"{counts['hot_window']} ran across an edit) in {load_s:.1f} s")
    print(f"daemon          hits {delta('hits')}, misses {delta('misses')}, stored {delta('stored')}, "
          f"errors {delta('errors')}, compile_failed {delta('compile_failed')}")
    print(f"daemon memory   VmRSS {before.get('VmRSS')} -> {after.get('VmRSS')}, "
          f"VmHWM {before.get('VmHWM')} -> {after.get('VmHWM')}, RssAnon {before.get('RssAnon')} -> "
          f"{after.get('RssAnon')}, RssFile {before.get('RssFile')} -> {after.get('RssFile')}, threads {before.get('Threads')} -> {after.get('Threads')}")
    print(f"daemon fds      {before['fds']} -> {after['fds']} (slack {args.fd_slack})")
    print(f"errors          {len(problems)}")
    print(f"time            {time.time() - t_start:.1f} s")
    for p in problems[:40]:
        print(f"  {p}")
    if problems:
        exit_code = 1
    if exit_code == 0 and not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"work dir kept: {base}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
