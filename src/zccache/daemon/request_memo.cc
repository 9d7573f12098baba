#include "zccache/daemon/request_memo.h"

#include <array>
#include <iterator>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "zccache/daemon/include_set.h"
#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {
// Read by the parser (DEPENDENCIES_OUTPUT...), the colour and URL decisions (TERM, COLORTERM) and
// the key (kKeyEnvVars, PWD).
constexpr const char* kLookupEnvVars[] = {"PWD", "TERM", "COLORTERM", "DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES"};
}  // namespace

std::shared_ptr<MemoEntry> make_memo_entry(const hash::Digest& compiler_identity,
                                           std::vector<store::FileDigest> response_files, std::vector<MemoUnit> units) {
  std::vector<store::IncludeSet> sets;
  for (MemoUnit& unit : units) {
    sets.push_back(std::move(unit.include_set));
    unit.include_set = store::IncludeSet{};
    unit.include_set.result_key = sets.back().result_key;
  }
  auto inputs = merge_include_sets(std::move(sets));
  if (!inputs) return nullptr;
  auto memo = std::make_shared<MemoEntry>();
  memo->inputs = std::move(*inputs);
  memo->compiler_identity = compiler_identity;
  memo->response_files = std::move(response_files);
  memo->units = std::move(units);
  return memo;
}

hash::Digest memo_key(const protocol::CompileRequest& req) {
  // kKeyEnvVars then kLookupEnvVars (the order they are hashed in), and where each name's value
  // goes: one pass over the environment finds them all, where a scan per name cost 29 scans of
  // every variable on each request.
  static constexpr size_t kNames = std::size(kKeyEnvVars) + std::size(kLookupEnvVars);
  static const std::array<std::string_view, kNames> names = [] {
    std::array<std::string_view, kNames> n;
    size_t i = 0;
    for (const char* name : kKeyEnvVars) n[i++] = name;
    for (const char* name : kLookupEnvVars) n[i++] = name;
    return n;
  }();
  static const std::unordered_map<std::string_view, size_t> slot = [] {
    std::unordered_map<std::string_view, size_t> m;
    for (size_t i = 0; i < kNames; ++i) m.emplace(names[i], i);  // a name listed twice: its first slot
    return m;
  }();
  static const std::array<size_t, kNames> slot_of_name = [] {
    std::array<size_t, kNames> a;
    for (size_t i = 0; i < kNames; ++i) a[i] = slot.at(names[i]);
    return a;
  }();
  std::array<const char*, kNames> values{};
  for (const auto& e : req.env) {  // the first NAME=VALUE wins, as find_env() has it
    size_t eq = e.find('=');
    if (eq == std::string::npos) continue;
    auto it = slot.find(std::string_view(e).substr(0, eq));
    if (it != slot.end() && values[it->second] == nullptr) values[it->second] = e.c_str() + eq + 1;
  }
  hash::Hasher h;
  h.add("memo-v1").add(req.compiler).add(req.cwd).add_u64(req.stderr_is_tty).add_u64(req.args.size());
  for (const auto& a : req.args) h.add(a);
  for (size_t i = 0; i < kNames; ++i) {
    const char* value = values[slot_of_name[i]];
    h.add(names[i]).add(value ? value : "\x01unset");
  }
  return h.finish();
}

namespace {

size_t string_bytes(const std::string& s) { return sizeof(std::string) + (s.size() > 15 ? s.size() + 1 : 0); }
size_t strings_bytes(const std::vector<std::string>& v) {
  size_t n = 0;
  for (const auto& s : v) n += string_bytes(s);
  return n;
}
size_t include_set_bytes(const store::IncludeSet& set) {
  size_t n = sizeof(set);
  for (const auto& f : set.files) n += sizeof(f) + string_bytes(f.path) - sizeof(std::string);
  std::unordered_set<const void*> counted;  // a list shared by several directories, once
  for (const auto& d : set.dirs) {
    n += sizeof(d) + string_bytes(d.path);
    for (const store::NameList* names : {&d.absent, &d.present}) {
      if (counted.insert(names->storage()).second) n += strings_bytes(names->names());
    }
  }
  for (const auto& e : set.env) n += sizeof(e) + string_bytes(e.name) - sizeof(std::string);
  return n;
}

}  // namespace

size_t approx_bytes(const MemoEntry& entry) {
  size_t n = sizeof(entry) + include_set_bytes(entry.inputs);
  for (const auto& f : entry.response_files) n += sizeof(f) + string_bytes(f.path);
  for (const MemoUnit& unit : entry.units) {
    n += sizeof(unit) + include_set_bytes(unit.include_set);
    n += strings_bytes(unit.plan.args) + strings_bytes(unit.plan.key_args) + strings_bytes(unit.plan.probe_args) +
         strings_bytes(unit.plan.extra_outputs);
    n += unit.result.stdout_data.size() + unit.result.stderr_data.size() + unit.result.depfile_bytes.size() +
         strings_bytes(unit.result.depfile_targets) + strings_bytes(unit.result.depfile_deps) +
         unit.result.outputs.size() * sizeof(store::StoredOutput);
  }
  return n;
}

std::shared_ptr<const MemoEntry> RequestMemo::find(const hash::Digest& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second.entry;
}

void RequestMemo::put(const hash::Digest& key, std::shared_ptr<const MemoEntry> entry) {
  const size_t size = approx_bytes(*entry);
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second.bytes;
    entries_.erase(it);
  }
  if (entries_.size() >= kMaxEntries || bytes_ + size > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  }
  if (size > max_bytes_) return;  // would not fit even alone
  entries_[key] = Held{std::move(entry), size};
  bytes_ += size;
}

void RequestMemo::erase(const hash::Digest& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->second.bytes;
  entries_.erase(it);
}

void RequestMemo::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  bytes_ = 0;
}

size_t RequestMemo::bytes() {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace zccache::daemon
