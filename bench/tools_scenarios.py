"""The tools scenarios of ./perf (issue 9): clang-tidy over the corpus, and links of its objects.

Each is a perf.Scenario the driver runs like the compile scenarios (bare, zccache cold, zccache warm
--repeat times, in one run, the same table and JSON); only zccache is measured: ccache and sccache
cache neither clang-tidy nor links.

  * "tidy": clang-tidy --checks=<TIDY_CHECKS> src/uN.cpp -- -std=c++17 -O1 -Iinclude, one process per
    unit, for the first --tidy-units units (default 10: clang-tidy spends ~4 s of CPU per unit of this
    corpus, five times a compile). Its output is its diagnostics: stdout and stderr of every command
    must be byte-identical to the bare run's (a difference is a MISMATCH).
  * "link" / "link-lld": one link of every unit's object plus a main into a program, with the
    driver's default GNU ld and with -fuse-ld=lld; the program must be byte-identical to bare's.
    The objects are compiled (untimed) before the scenario and copied into every tool's tree, and
    the daemon sees one other link first (untimed), as it would in a build: its first look at a
    driver and a linker (version probes, ldd, hashing libLLVM for lld) is not a link's cost.
"""

import os
import shutil
import subprocess

# Checks that look at the corpus' code without the static analyser (whose cost would dwarf the rest).
TIDY_CHECKS = "-*,bugprone-*,performance-*,readability-braces-around-statements,modernize-use-nullptr"
MAIN_SOURCE = "int main() { return 0; }\n"


class TidyScenario:
    caches = ("zccache",)
    capture_stdout = True   # diagnostics go to stdout
    text_is_output = True   # stdout/stderr differences are mismatches, not warnings

    def __init__(self, units, compiler):
        self.name, self.units, self.compiler = "tidy", units, compiler
        self.title = "clang-tidy, one unit per process, serial (%s)" % TIDY_CHECKS
        self.rsp = self.multi = False

    def commands(self):
        return [(["clang-tidy", "--checks=" + TIDY_CHECKS, "src/u%d.cpp" % i, "--", "-std=c++17", "-O1",
                  "-Iinclude"], []) for i in range(self.units)]

    def objects(self):
        return []

    def example(self, launcher=""):
        return (launcher + " " if launcher else "") + " ".join(self.commands()[0][0])

    def prepare(self, bench, tools):
        return None


class LinkScenario:
    caches = ("zccache",)
    capture_stdout = False
    text_is_output = True

    def __init__(self, name, units, compiler, extra):
        self.name, self.compiler, self.extra = name, compiler, extra
        self.objs = units
        self.units = 1  # one link command
        self.title = "link of %d objects and a main%s" % (units, (" (" + " ".join(extra) + ")") if extra else
                                                         " (the driver's GNU ld)")
        self.rsp = self.multi = False

    def inputs(self):
        return ["lobj/main.o"] + ["lobj/u%d.o" % i for i in range(self.objs)]

    def commands(self):
        return [([self.compiler] + self.extra + ["-o", "lout/prog"] + self.inputs(), ["lout/prog"])]

    def objects(self):
        return ["lout/prog"]

    def example(self, launcher=""):
        argv = self.commands()[0][0]
        short = argv[:-self.objs] + ["...", argv[-1]]
        return (launcher + " " if launcher else "") + " ".join(short)

    def prepare(self, bench, tools):
        """Compiles the objects once (bare, untimed) and copies them into every tree. Then each
        cache links main.o alone (another command): the daemon has seen the driver and the linker
        before the measured cold link, as it has in a build whose compiles it served."""
        src_dir = bench.corpus
        objdir = os.path.join(bench.work, "lobj")
        if not os.path.isdir(objdir):
            os.makedirs(objdir)
            with open(os.path.join(bench.work, "lmain.cpp"), "w") as f:
                f.write(MAIN_SOURCE)
            jobs = [(os.path.join(bench.work, "lmain.cpp"), "main.o")]
            jobs += [(os.path.join(src_dir, "src/u%d.cpp" % i), "u%d.o" % i) for i in range(self.objs)]
            for src, obj in jobs:
                p = subprocess.run([self.compiler, "-std=c++17", "-O1", "-Iinclude", "-c", src, "-o",
                                    os.path.join(objdir, obj)], cwd=src_dir, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                if p.returncode != 0:
                    return "compiling %s for the link failed: %s" % (src, p.stderr.decode(errors="replace")[-300:])
        for tool in tools:
            tree = bench.tree(tool)
            os.makedirs(os.path.join(tree, "lout"), exist_ok=True)
            dst = os.path.join(tree, "lobj")
            if not os.path.isdir(dst):
                shutil.copytree(objdir, dst)
            if tool.is_cache:
                before = tool.counters()
                p = subprocess.run(tool.launcher + [self.compiler] + self.extra + ["-o", "lout/warmup", "lobj/main.o"],
                                   cwd=tree, env=tool.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
                if p.returncode != 0:
                    return "warm-up link through %s failed: %s" % (tool.name, p.stderr.decode(errors="replace")[-300:])
                tool.wait_stored(1, before)
        return None


def scenarios(args):
    """The tools scenarios for these options (tidy needs clang-tidy; lld links need ld.lld)."""
    out = []
    if shutil.which("clang-tidy"):
        out.append(TidyScenario(min(args.tidy_units, args.units), args.compiler))
    out.append(LinkScenario("link", args.units, args.compiler, []))
    if shutil.which("ld.lld"):
        out.append(LinkScenario("link-lld", args.units, args.compiler, ["-fuse-ld=lld"]))
    return out
