#include "zccache/daemon/request_memo.h"

#include "zccache/daemon/request_key.h"
#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {
// Read by the parser (DEPENDENCIES_OUTPUT...), the colour and URL decisions (TERM, COLORTERM) and
// the key (kKeyEnvVars, PWD).
constexpr const char* kLookupEnvVars[] = {"PWD", "TERM", "COLORTERM", "DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES"};
}  // namespace

hash::Digest memo_key(const protocol::CompileRequest& req) {
  hash::Hasher h;
  h.add("memo-v1").add(req.compiler).add(req.cwd).add_u64(req.stderr_is_tty).add_u64(req.args.size());
  for (const auto& a : req.args) h.add(a);
  auto add_env = [&](const char* name) {
    const char* value = find_env(req.env, name);
    h.add(name).add(value ? value : "\x01unset");
  };
  for (const char* name : kKeyEnvVars) add_env(name);
  for (const char* name : kLookupEnvVars) add_env(name);
  return h.finish();
}

std::shared_ptr<const MemoEntry> RequestMemo::find(const hash::Digest& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

void RequestMemo::put(const hash::Digest& key, std::shared_ptr<const MemoEntry> entry) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[key] = std::move(entry);
}

void RequestMemo::erase(const hash::Digest& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

void RequestMemo::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace zccache::daemon
