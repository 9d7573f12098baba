#!/usr/bin/python3
"""zccache remote-tier benchmark (./perf --remote): is a warm remote worth asking?

For each backend (redis-server, nginx with WebDAV PUT), started on a loopback port in a temp dir:
  * bare:            the compiler alone, one unit per process, serial;
  * cold + upload:   machine A (its own ZCCACHE_DIR) compiles everything and uploads it;
  * local warm:      machine A again: every unit a local hit; then the same after a daemon
                     restart (compiler probes and file hashes redone: the baseline of a remote run);
  * remote warm:     machine B (a fresh, empty ZCCACHE_DIR, its own copy of the tree at another
                     path, its own daemon already started): every unit a remote hit (manifest,
                     result and object fetched, verified, stored locally, delivered);
                     repeated --repeat times, each time with a new empty cache dir.
Every object is compared byte for byte with the bare one; every warm run must be all hits.
Standard library only. Tables on stdout, progress on stderr, JSON in build/perf/remote.json.
Exit 1 on a mismatch or a run that was not all hits; 2 when a server cannot be started.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print("[remote-perf %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start_server(kind, d):
    os.makedirs(d, exist_ok=True)
    port = free_port()
    logf = open(os.path.join(d, "server.log"), "ab")
    if kind == "redis":
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", d]
        url = "redis://127.0.0.1:%d/0" % port
    else:
        www = os.path.join(d, "www", "cache")
        os.makedirs(www, exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
                    "events { worker_connections 64; }\nhttp {\n  access_log off;\n"
                    "  client_body_temp_path %s/body;\n  proxy_temp_path %s/p;\n  fastcgi_temp_path %s/f;\n"
                    "  uwsgi_temp_path %s/u;\n  scgi_temp_path %s/s;\n  server {\n"
                    "    listen 127.0.0.1:%d;\n    root %s/www;\n    client_max_body_size 64m;\n"
                    "    location /cache/ { dav_methods PUT; create_full_put_path on; dav_access user:rw; }\n"
                    "  }\n}\n" % ((d,) * 7 + (port, d)))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        argv = [nginx, "-c", conf, "-p", d]
        url = "http://127.0.0.1:%d/cache/" % port
    proc = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL)
    if not wait_port(port, proc):
        proc.kill()
        return None, None
    return proc, url


def env_for(cache_dir, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCACHE_", "SCCACHE_", "ZCCACHE_"))}
    env.update({"ZCCACHE_DIR": cache_dir, "ZCCACHE_REMOTE": url, "ZCCACHE_IDLE_TIMEOUT": "600"})
    return env


def compile_all(tree, units, compiler, launcher, env):
    """Compiles every unit serially; returns the wall time in seconds."""
    start = time.perf_counter()
    for i in range(units):
        argv = launcher + [compiler, "-std=c++17", "-O1", "-Iinclude", "-c", "src/u%d.cpp" % i, "-o", "out/u%d.o" % i]
        r = subprocess.run(argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise RuntimeError("compile failed: %s\n%s" % (" ".join(argv), r.stderr.decode(errors="replace")))
    return time.perf_counter() - start


def objects(tree, units):
    out = []
    for i in range(units):
        with open(os.path.join(tree, "out", "u%d.o" % i), "rb") as f:
            out.append(f.read())
    return out


def status(zccache, env):
    r = subprocess.run([zccache, "status", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {}


def wait_uploads(zccache, env, n, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        s = status(zccache, env)
        r = s.get("remote", {})
        if r.get("queued") == 0 and r.get("servers", [{}])[0].get("uploads", 0) >= n:
            return True
        time.sleep(0.1)
    return False


def fresh_tree(src, dst, units):
    shutil.copytree(src, dst)
    os.makedirs(os.path.join(dst, "out"), exist_ok=True)
    return dst


def run_backend(kind, args, work, corpus_dir, bare_objs, bare_s, zccache):
    proc, url = start_server(kind, os.path.join(work, "server-" + kind))
    if not proc:
        log("%s: server did not start" % kind)
        return None
    url += "?connect-timeout=1000&timeout=2000"  # the shared 2-vCPU VM stalls now and then
    res = {"backend": kind, "bare_s": bare_s, "mismatches": 0}
    launcher = [zccache]
    try:
        tree_a = fresh_tree(corpus_dir, os.path.join(work, kind + "-a", "tree"), args.units)
        env_a = env_for(os.path.join(work, kind + "-a", "cache"), url)
        subprocess.run([zccache, "start"], env=env_a, check=True, stdout=subprocess.DEVNULL)
        res["cold_upload_s"] = compile_all(tree_a, args.units, args.compiler, launcher, env_a)
        if not wait_uploads(zccache, env_a, args.units):
            log("%s: uploads did not finish" % kind)
            return None
        res["mismatches"] += sum(a != b for a, b in zip(objects(tree_a, args.units), bare_objs))
        local = []
        for _ in range(args.repeat):
            local.append(compile_all(tree_a, args.units, args.compiler, launcher, env_a))
        res["mismatches"] += sum(a != b for a, b in zip(objects(tree_a, args.units), bare_objs))
        res["local_warm_s"] = local
        res["upload_bytes"] = status(zccache, env_a)["remote"]["servers"][0]["bytes_up"]
        # The same local cache with a fresh daemon (its compiler probes and file hashes redone), the
        # fair baseline for a remote run, which starts a fresh daemon too.
        restarted = []
        for _ in range(args.repeat):
            subprocess.run([zccache, "stop"], env=env_a, stdout=subprocess.DEVNULL)
            subprocess.run([zccache, "start"], env=env_a, check=True, stdout=subprocess.DEVNULL)
            restarted.append(compile_all(tree_a, args.units, args.compiler, launcher, env_a))
        res["local_restarted_s"] = restarted
        subprocess.run([zccache, "stop"], env=env_a, stdout=subprocess.DEVNULL)

        remote = []
        for rep in range(args.repeat):
            tree_b = fresh_tree(corpus_dir, os.path.join(work, "%s-b%d" % (kind, rep), "a", "deeper", "tree"),
                                args.units)
            env_b = env_for(os.path.join(work, "%s-b%d" % (kind, rep), "cache"), url)
            subprocess.run([zccache, "start"], env=env_b, check=True, stdout=subprocess.DEVNULL)
            remote.append(compile_all(tree_b, args.units, args.compiler, launcher, env_b))
            s = status(zccache, env_b)
            srv = s["remote"]["servers"][0]
            if s.get("hits") != args.units or srv.get("hits") != args.units:
                log("%s: remote warm run %d was not all remote hits: %s" % (kind, rep, json.dumps(s)))
                res["not_all_hits"] = True
            res["mismatches"] += sum(a != b for a, b in zip(objects(tree_b, args.units), bare_objs))
            res["remote_mean_latency_us"] = srv.get("mean_latency_us")
            res["remote_requests"] = srv.get("requests")
            res["download_bytes"] = srv.get("bytes_down")
            subprocess.run([zccache, "stop"], env=env_b, stdout=subprocess.DEVNULL)
        res["remote_warm_s"] = remote
        return res
    finally:
        proc.kill()
        proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--compiler", default="clang++")
    p.add_argument("--backends", default="redis,http")
    p.add_argument("--zccache", default=os.path.join(REPO, "build", "release", "bin", "zccache"))
    p.add_argument("--json", default=os.path.join(REPO, "build", "perf", "remote.json"))
    args = p.parse_args()
    args.zccache = os.path.abspath(args.zccache)
    work = tempfile.mkdtemp(prefix="zccache-remote-perf-")
    results = {"units": args.units, "compiler": args.compiler, "repeat": args.repeat, "backends": []}
    rc = 0
    try:
        corpus_dir = os.path.join(work, "corpus")
        corpus.generate(corpus_dir, args.units)
        bare_tree = fresh_tree(corpus_dir, os.path.join(work, "bare"), args.units)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZCCACHE_")}
        log("bare: %d units with %s" % (args.units, args.compiler))
        bare_s = compile_all(bare_tree, args.units, args.compiler, [], env)
        bare_objs = objects(bare_tree, args.units)
        for kind in args.backends.split(","):
            log("%s: cold + upload, local warm, remote warm" % kind)
            res = run_backend(kind, args, work, corpus_dir, bare_objs, bare_s, args.zccache)
            if res is None:
                rc = 2
                continue
            if res["mismatches"] or res.get("not_all_hits"):
                rc = 1
            results["backends"].append(res)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    n = args.units
    print("| backend | bare | cold + upload | local warm (best, per hit) | local warm, new daemon (best, per hit) "
          "| remote warm, empty local cache, new daemon (best, median, per hit) | objects |")
    print("|---|---|---|---|---|---|---|")
    for r in results["backends"]:
        lw, lr, rw = min(r["local_warm_s"]), min(r["local_restarted_s"]), min(r["remote_warm_s"])
        print("| %s | %.2f s | %.2f s | %.3f s, %.2f ms | %.3f s, %.2f ms | %.3f s, %.3f s, %.2f ms | %s |" % (
            r["backend"], r["bare_s"], r["cold_upload_s"], lw, lw / n * 1000, lr, lr / n * 1000, rw,
            statistics.median(r["remote_warm_s"]), rw / n * 1000,
            "identical" if not r["mismatches"] else "%d MISMATCH" % r["mismatches"]))
    for r in results["backends"]:
        print("%s: %d requests for %d remote hits, mean request latency %s us, %d bytes down, %d bytes up" % (
            r["backend"], r.get("remote_requests", 0), n, r.get("remote_mean_latency_us"),
            r.get("download_bytes", 0), r.get("upload_bytes", 0)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
