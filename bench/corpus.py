"""Generates the benchmark corpus: C++ translation units, nested project headers, response files.

Deterministic (seeded): the same options always give the same bytes, so runs are comparable.

Layout written under ROOT:
  include/proj/hNN.h     project headers; each of h05..h19 includes one or two lower-numbered ones
  src/uN.cpp             translation units: <algorithm> <map> <memory> <string> <vector> plus 3-4
                         project headers, templates instantiated over local types, a few functions
  inc/dNN/               extra (empty-ish) include directories named by the response files
  flags.rsp              -std/-O1/-Iinclude, 100 -D, 25 -I, then @warnings.rsp
  warnings.rsp           30 warning flags, then @defines.rsp            (nested two deep)
  defines.rsp            100 -D (a few quoted), 25 -I
All response files sit in ROOT, the compile's working directory, so gcc (nested names relative to
the cwd) and clang (relative to the including file) read the same files.
"""

import os
import random

NUM_HEADERS = 20
STD_HEADERS = ["algorithm", "map", "memory", "string", "vector"]

# Warning flags understood by both gcc and clang. -Wall/-Wextra make the deliberately unused
# parameters in some units warn, so a cache must replay stderr on hits.
WARNINGS = [
    "-Wall", "-Wextra", "-Wshadow", "-Wnon-virtual-dtor", "-Wcast-align", "-Wunused",
    "-Woverloaded-virtual", "-Wpointer-arith", "-Wwrite-strings", "-Wredundant-decls", "-Wundef",
    "-Wformat=2", "-Wimplicit-fallthrough", "-Wuninitialized", "-Wvla", "-Wcomment",
    "-Wdeprecated", "-Wmissing-include-dirs", "-Wreturn-type", "-Wparentheses", "-Wsign-compare",
    "-Wswitch", "-Wunused-parameter", "-Wunused-variable", "-Wunused-function", "-Wempty-body",
    "-Wchar-subscripts", "-Wmissing-field-initializers", "-Wno-unknown-pragmas", "-Wtype-limits",
]
assert len(WARNINGS) == 30

HEADER_TMPL = """\
// Generated project header {idx:02d}. Do not edit: bench/corpus.py writes it.
#pragma once
#include <algorithm>
#include <string>
#include <vector>
{deps}
namespace proj{idx} {{

template <typename T>
struct Accumulator {{
  std::vector<T> items;
  void add(const T& v) {{ items.push_back(v); }}
  T total() const {{
    T s{{}};
    for (const auto& x : items) s = s + x;
    return s;
  }}
  void sort_desc() {{
    std::sort(items.begin(), items.end(), [](const T& a, const T& b) {{ return b < a; }});
  }}
  std::size_t count_above(const T& t) const {{
    return static_cast<std::size_t>(
        std::count_if(items.begin(), items.end(), [&](const T& x) {{ return t < x; }}));
  }}
  void dedup() {{
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
  }}
}};

template <typename K, typename V, typename Map>
std::vector<std::pair<K, V>> top_n(const Map& m, std::size_t n) {{
  std::vector<std::pair<K, V>> out(m.begin(), m.end());
  std::partial_sort(out.begin(), out.begin() + static_cast<long>(std::min(n, out.size())), out.end(),
                    [](const auto& a, const auto& b) {{ return b.second < a.second; }});
  out.resize(std::min(n, out.size()));
  return out;
}}

template <typename T>
T clamp_to(T v, T lo, T hi) {{ return v < lo ? lo : (hi < v ? hi : v); }}

inline int mix(int a, int b) {{ return (a * {prime}) ^ (b + {idx}); }}

inline std::string label(int v) {{
  std::string s = "p{idx}_";
  s += std::to_string(mix(v, {idx}));
  return s;
}}
{extra}
}}  // namespace proj{idx}
"""

UNIT_HEAD = """\
// Generated translation unit {n}. Do not edit: bench/corpus.py writes it.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>
{proj_includes}
namespace unit{n} {{

struct Record {{
  std::string name;
  int value = 0;
  double weight = 0;
  bool operator<(const Record& o) const {{ return value < o.value || (value == o.value && name < o.name); }}
  bool operator==(const Record& o) const {{ return value == o.value && name == o.name; }}
  Record operator+(const Record& o) const {{ return Record{{name + o.name, value + o.value, weight + o.weight}}; }}
}};

class Registry {{
 public:
  void put(const std::string& key, int v) {{
    auto& slot = items_[key];
    if (!slot) slot = std::make_unique<Record>();
    slot->name = key;
    slot->value += v;
    slot->weight = slot->value * 0.5;
  }}
  int get(const std::string& key) const {{
    auto it = items_.find(key);
    return it == items_.end() ? 0 : it->second->value;
  }}
  std::map<std::string, int> snapshot() const {{
    std::map<std::string, int> out;
    for (const auto& [k, v] : items_) out.emplace(k, v->value);
    return out;
  }}

 private:
  std::map<std::string, std::unique_ptr<Record>> items_;
}};
"""

FUNC_TMPL = """
int ints_{j}(const std::vector<int>& in{unused}) {{
  {ns}::Accumulator<int> acc;
  for (int x : in) acc.add({ns}::mix(x, {j}));
{sort}  return acc.total() + {ns}::clamp_to<int>(acc.items.empty() ? 0 : acc.items.back(), -{j}, {j}00);
}}

std::string strings_{j}(const std::vector<int>& in) {{
  std::string s;
  for (int x : in) s += {ns2}::label(x + {j});
  return s;
}}

double records_{j}(Registry& reg, const std::vector<int>& in) {{
  double w = 0;
  for (int x : in) {{
    reg.put({ns3}::label(x % 7), x);
    w += x * 0.25;
  }}
  return w + reg.get({ns3}::label({j}));
}}
"""

UNIT_TAIL = """
}}  // namespace unit{n}

int unit{n}_entry(const std::vector<int>& in) {{
  unit{n}::Registry reg;
  long sum = 0;
{calls}
  sum += static_cast<long>(reg.snapshot().size());
  return static_cast<int>(sum{cfg});
}}
"""


def header_deps(idx, rng):
    if idx < 5:
        return []
    k = 1 if idx < 10 else 2
    return sorted(rng.sample(range(idx), k))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def generate(root, units, funcs_per_unit=2, seed=20240607):
    """Writes the corpus under root. Returns a dict describing it."""
    rng = random.Random(seed)
    for idx in range(NUM_HEADERS):
        deps = header_deps(idx, rng)
        dep_lines = "".join('#include "proj/h%02d.h"\n' % d for d in deps)
        extra = ""
        for d in deps:
            extra += (
                "\ninline int chain_{d}(int v) {{ return proj{d}::mix(v, {idx}) + mix(v, {d}); }}\n"
            ).format(d=d, idx=idx)
        primes = [31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113]
        write(os.path.join(root, "include", "proj", "h%02d.h" % idx),
              HEADER_TMPL.format(idx=idx, deps=dep_lines, prime=primes[idx], extra=extra))

    unit_headers = []
    for n in range(units):
        picks = sorted(rng.sample(range(NUM_HEADERS), 3 + (n % 2)))
        unit_headers.append(picks)
        incs = "".join('#include "proj/h%02d.h"\n' % p for p in picks)
        body = UNIT_HEAD.format(n=n, proj_includes=incs)
        calls = []
        for j in range(funcs_per_unit):
            ns, ns2, ns3 = ("proj%d" % picks[(j + k) % len(picks)] for k in range(3))
            # Every fifth unit has an unused parameter: a -Wextra warning a cache must replay.
            unused = ", int unused_{}".format(j) if (n % 5 == 0 and j == 0) else ""
            sort = ""  # a std::sort instantiation costs ~0.15 s at -O1: too much
            body += FUNC_TMPL.format(j=j, ns=ns, ns2=ns2, ns3=ns3, unused=unused, sort=sort)
            arg = ", 0" if unused else ""
            calls.append("  sum += unit{n}::ints_{j}(in{arg});".format(n=n, j=j, arg=arg))
            calls.append("  sum += static_cast<long>(unit{n}::strings_{j}(in).size());".format(n=n, j=j))
            calls.append("  sum += static_cast<long>(unit{n}::records_{j}(reg, in));".format(n=n, j=j))
        # ZC_DEF_* come from the response files; plain compiles see the fallback.
        cfg = ""
        body += "\n#ifdef ZC_DEF_{k}\n#define UNIT_CFG ZC_DEF_{k}\n#else\n#define UNIT_CFG 0\n#endif\n".format(k=n % 100)
        cfg = " + UNIT_CFG"
        body += UNIT_TAIL.format(n=n, calls="\n".join(calls), cfg=cfg)
        write(os.path.join(root, "src", "u%d.cpp" % n), body)

    # Response files (nested two deep), 283 arguments once expanded.
    inc_dirs = ["inc/d%02d" % i for i in range(50)]
    for d in inc_dirs:
        write(os.path.join(root, d, "unused_%s.h" % os.path.basename(d)), "#pragma once\n")
    flags = ["-std=c++17", "-O1", "-Iinclude"]
    flags += ["-DZC_DEF_%d=%d" % (i, i) for i in range(100)]
    flags += ["-I" + d for d in inc_dirs[:25]]
    flags += ["@warnings.rsp"]
    warnings = list(WARNINGS) + ["@defines.rsp"]
    defines = []
    for i in range(100):
        if i % 20 == 0:
            # Quoted the way gcc and clang read response files: a value with a space.
            defines.append('"-DZC_STR_%d=\\"value %d\\""' % (i, i))
        else:
            defines.append("-DZC_OPT_%d=%d" % (i, i * 3))
    defines += ["-I" + d for d in inc_dirs[25:]]
    write(os.path.join(root, "flags.rsp"), "\n".join(flags) + "\n")
    write(os.path.join(root, "warnings.rsp"), "\n".join(warnings) + "\n")
    write(os.path.join(root, "defines.rsp"), "\n".join(defines) + "\n")
    expanded = (len(flags) - 1) + (len(warnings) - 1) + len(defines)

    os.makedirs(os.path.join(root, "out"), exist_ok=True)
    return {
        "units": units,
        "project_headers": NUM_HEADERS,
        "std_headers": STD_HEADERS,
        "project_headers_per_unit": [len(h) for h in unit_headers],
        "functions_per_unit": funcs_per_unit,
        "rsp_expanded_args": expanded,
        "seed": seed,
    }
