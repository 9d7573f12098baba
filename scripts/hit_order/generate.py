#!/usr/bin/env python3
"""Regenerates src/zccache/client/hit_path.order: the functions (ours, glibc's, libstdc++'s) the
client runs for a cache hit, from exec to exit. The client's link (src/zccache/client/CMakeLists.txt,
lld --symbol-ordering-file) puts them side by side at the start of .text, so a hit maps its code in
a few 64 KiB fault-around windows instead of one page fault per scattered function.

How: a real daemon in a temporary cache dir, one miss to fill it, then one hit of the same compile
run instruction by instruction under ptrace (single_step.c). The daemon is stopped (SIGSTOP) while
the client runs, and continued once the client blocks in poll(), so that the trace includes the
wait for the reply (a single-stepped client is too slow to ever wait otherwise). Each address is
mapped to the symbols at its function's start (nm), in the order first reached.

Run it after changing what a hit runs; it needs a Release client built with lld (./build.sh):
    scripts/hit_order/generate.py [BUILD_DIR]      (default build/release)
"""
import bisect
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ORDER_FILE = os.path.join(REPO, "src", "zccache", "client", "hit_path.order")
SOURCE = "int used(int unused) { return 1; }\n"  # -Wextra warns: the hit replays a diagnostic


def die(msg):
    sys.exit("generate.py: " + msg)


def text_range(binary):
    """The binary's .text section, [start, end): only what lies there can be ordered (the .init,
    .iplt and __libc_freeres_fn sections a hit also runs are output sections of their own)."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 5 and f[1] == ".text":
            start = int(f[3], 16)
            return start, start + int(f[5], 16)
    die("no .text section in " + binary)


def functions(binary):
    """Sorted (start, size, [names]) of the binary's code symbols; aliases share one entry. Names
    without a size (linker-defined ones such as __preinit_array_end) count only where no sized
    symbol starts."""
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", binary], capture_output=True, text=True,
                         check=True).stdout
    sized, unsized = {}, {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTwWiI":
            entry = sized.setdefault(int(f[0], 16), [0, []])
            entry[0] = max(entry[0], int(f[1], 16))
            entry[1].append(f[3])
        elif len(f) == 3 and f[1] in "tTwWiI":
            unsized.setdefault(int(f[0], 16), []).append(f[2])
    for start, names in unsized.items():
        sized.setdefault(start, [0, names])
    return sorted((start, size, names) for start, (size, names) in sized.items())


def daemon_pid(cache_dir):
    out = subprocess.run(["pgrep", "-f", "zccache-daemon --cache-dir " + cache_dir], capture_output=True,
                         text=True).stdout.split()
    if len(out) != 1:
        die("expected one daemon for %s, found %r" % (cache_dir, out))
    return int(out[0])


def continue_when_polling(tracer, daemon):
    """Sends SIGCONT to the daemon once the traced client sleeps in poll() (or after 60 s)."""
    deadline = time.time() + 60
    while time.time() < deadline and tracer.poll() is None:
        try:
            children = open("/proc/%d/task/%d/children" % (tracer.pid, tracer.pid)).read().split()
            if children and open("/proc/%s/syscall" % children[0]).read().split()[0] == "7":  # poll
                break
        except (OSError, IndexError):
            pass
        time.sleep(0.005)
    os.kill(daemon, signal.SIGCONT)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "release"))
    client = os.path.join(build, "bin", "zccache")
    if not os.access(client, os.X_OK):
        die("no client at %s (run ./build.sh)" % client)
    work = tempfile.mkdtemp(prefix="zccache-hit-order.")
    cache = os.path.join(work, "cache")
    env = dict(os.environ, ZCCACHE_DIR=cache)
    env.pop("ZCCACHE_DISABLE", None)
    daemon = None
    try:
        stepper = os.path.join(work, "single_step")
        subprocess.run(["cc", "-O2", "-o", stepper, os.path.join(HERE, "single_step.c")], check=True)
        with open(os.path.join(work, "t.c"), "w") as f:
            f.write(SOURCE)
        cmd = [client, "cc", "-Wall", "-Wextra", "-c", "t.c", "-o", "t.o"]
        subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)  # the miss
        for _ in range(100):  # the store lands after the miss's reply
            os.unlink(os.path.join(work, "t.o"))
            subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)
            status = subprocess.run([client, "status"], env=env, capture_output=True, text=True).stdout
            if any(l.split()[:1] == ["hits"] and l.split()[1] != "0" for l in status.splitlines()):
                break
            time.sleep(0.05)
        else:
            die("no hit after 100 tries")
        os.unlink(os.path.join(work, "t.o"))
        lo, hi = text_range(client)
        daemon = daemon_pid(cache)
        os.kill(daemon, signal.SIGSTOP)
        tracer = subprocess.Popen([stepper, "%x" % lo, "%x" % hi] + cmd, cwd=work, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waker = threading.Thread(target=continue_when_polling, args=(tracer, daemon))
        waker.start()
        trace, err = tracer.communicate()
        waker.join()
        sys.stderr.write("".join(l + "\n" for l in err.splitlines() if l.startswith("single_step:")))
        if tracer.returncode != 0 or not os.path.exists(os.path.join(work, "t.o")):
            die("the traced hit failed (exit %d)" % tracer.returncode)

        funcs = functions(client)
        starts = [f[0] for f in funcs]
        order, seen = [], set()
        for line in trace.split():
            i = bisect.bisect_right(starts, int(line, 16)) - 1
            if i < 0 or i in seen:
                continue
            seen.add(i)
            order.extend(n for n in funcs[i][2] if n not in order)
        if not any(n == "__poll" or n.endswith("poll") for n in order):
            die("the trace has no poll(): the client never waited for the daemon")
        with open(ORDER_FILE, "w") as f:
            f.write("# The client's cache-hit path, in first-run order: scripts/hit_order/generate.py wrote it,\n"
                    "# for lld --symbol-ordering-file (src/zccache/client/CMakeLists.txt). Regenerate it after\n"
                    "# changing what a hit runs; a missing or stale name only costs a page fault.\n")
            f.write("\n".join(order) + "\n")
        code = sum(funcs[i][1] for i in seen)
        print("%s: %d functions, %d KiB of code" % (os.path.relpath(ORDER_FILE, REPO), len(seen), code // 1024))
    finally:
        if daemon:
            os.kill(daemon, signal.SIGCONT)  # never leave it stopped, whatever failed
        subprocess.run([client, "stop"], env=env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
