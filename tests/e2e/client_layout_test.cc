// The client's link puts the functions a cache hit runs side by side at the start of its code
// (src/zccache/client/hit_path.order, lld --symbol-ordering-file), so that a hit maps its code in
// a few 64 KiB fault-around windows. A link that lost the ordering, or an order file whose names
// no longer exist, still works and only runs slower: nothing else would notice.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "compiler_test.h"

namespace zccache::e2e {
namespace {

struct Symbol {
  uint64_t address = 0;
  uint64_t size = 0;
};

std::vector<std::string> ordered_names(const std::string& order_file) {
  std::ifstream in(order_file);
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') names.push_back(line);
  }
  return names;
}

// Every defined symbol of the binary (nm), by name; the first one of a repeated local name.
std::unordered_map<std::string, Symbol> symbols(const std::string& binary) {
  RunResult r = run_process(find_in_path("nm"), {"nm", "-S", "--defined-only", binary}, {"PATH=/usr/bin:/bin"}, "/",
                            RunOptions{});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  std::unordered_map<std::string, Symbol> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string address, size, type, name;
    if (f >> address >> size >> type >> name) {
      out.emplace(name, Symbol{std::stoull(address, nullptr, 16), std::stoull(size, nullptr, 16)});
    }
  }
  return out;
}

// The start of the binary's executable segment (readelf -l).
uint64_t code_start(const std::string& binary) {
  RunResult r = run_process(find_in_path("readelf"), {"readelf", "-lW", binary}, {"PATH=/usr/bin:/bin"}, "/",
                            RunOptions{});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string type, offset, vaddr;
    if (f >> type >> offset >> vaddr && type == "LOAD" && line.find(" R E ") != std::string::npos) {
      return std::stoull(vaddr, nullptr, 16);
    }
  }
  ADD_FAILURE() << "no executable LOAD segment in " << binary;
  return 0;
}

TEST(ClientLayout, AHitsFunctionsSitTogetherAtTheStartOfTheCode) {
  const std::string order_file = ZCCACHE_HIT_ORDER_FILE;
  if (order_file.empty()) GTEST_SKIP() << "the client is linked without lld (or with a sanitizer): no ordering";
  const std::string client = bin_dir() + "/zccache";
  const std::vector<std::string> names = ordered_names(order_file);
  ASSERT_GT(names.size(), 100u) << order_file;
  const auto syms = symbols(client);
  const uint64_t start = code_start(client);
  ASSERT_NE(start, 0u);

  size_t found = 0;
  uint64_t code_bytes = 0, end = start;
  for (const std::string& name : names) {
    auto it = syms.find(name);
    if (it == syms.end()) continue;
    ++found;
    code_bytes += it->second.size;
    EXPECT_GE(it->second.address, start) << name;
    end = std::max(end, it->second.address + it->second.size);
  }
  // A stale file (the hit path renamed or rewritten): regenerate it with
  // scripts/hit_order/generate.py.
  EXPECT_GE(found * 10, names.size() * 9) << found << " of " << names.size() << " names of " << order_file
                                          << " are in the client; run scripts/hit_order/generate.py";
  // Unordered, they spread over the whole ~1 MB of code. Ordered, the span is their own size plus
  // the rest of the input sections holding them (glibc objects with several functions).
  EXPECT_LE(end - start, 320u * 1024) << "a hit's functions span " << (end - start) / 1024 << " KiB ("
                                      << code_bytes / 1024 << " KiB of their own)";
  // The entry point is the first thing a hit runs, and the order file's first name.
  EXPECT_EQ(names.front(), "_start");
  EXPECT_LT(syms.at("_start").address - start, 4096u);
}

}  // namespace
}  // namespace zccache::e2e
