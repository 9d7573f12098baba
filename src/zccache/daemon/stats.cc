#include "zccache/daemon/stats.h"

#include <nlohmann/json.hpp>

namespace zccache::daemon {

void Stats::hit() {
  std::lock_guard lock(mutex_);
  ++counters_.hits;
}
void Stats::miss() {
  std::lock_guard lock(mutex_);
  ++counters_.misses;
}
void Stats::error() {
  std::lock_guard lock(mutex_);
  ++counters_.errors;
}
void Stats::compile_failed() {
  std::lock_guard lock(mutex_);
  ++counters_.compile_failed;
}
void Stats::stored() {
  std::lock_guard lock(mutex_);
  ++counters_.stored;
}
void Stats::passthrough(tools::Passthrough reason) {
  std::lock_guard lock(mutex_);
  ++counters_.passthrough[static_cast<size_t>(reason)];
}
void Stats::evicted(uint64_t results) {
  std::lock_guard lock(mutex_);
  counters_.evictions += results;
}
void Stats::index_discarded() {
  std::lock_guard lock(mutex_);
  ++counters_.index_discarded;
}
void Stats::link_verified(bool same) {
  std::lock_guard lock(mutex_);
  ++(same ? counters_.links_verified : counters_.links_nondeterministic);
}
void Stats::memo_answered(bool by_snapshot) {
  std::lock_guard lock(mutex_);
  ++(by_snapshot ? counters_.memo_snapshot : counters_.memo_checked);
}
Counters Stats::snapshot() const {
  std::lock_guard lock(mutex_);
  return counters_;
}
void Stats::reset() {
  std::lock_guard lock(mutex_);
  counters_ = Counters{};
}

std::string Stats::to_json() const {
  Counters c = snapshot();
  nlohmann::json j;
  j["hits"] = c.hits;
  j["misses"] = c.misses;
  j["errors"] = c.errors;
  j["compile_failed"] = c.compile_failed;
  j["stored"] = c.stored;
  j["evictions"] = c.evictions;
  j["index_discarded"] = c.index_discarded;
  j["links_verified"] = c.links_verified;
  j["links_nondeterministic"] = c.links_nondeterministic;
  j["memo_snapshot"] = c.memo_snapshot;
  j["memo_checked"] = c.memo_checked;
  nlohmann::json p = nlohmann::json::object();
  for (size_t i = 1; i < c.passthrough.size(); ++i) {
    if (c.passthrough[i]) p[std::string(tools::reason_name(static_cast<tools::Passthrough>(i)))] = c.passthrough[i];
  }
  j["passthrough"] = p;
  return j.dump();
}

void Stats::load_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  Counters c;
  auto get = [&](const char* name) { return j.contains(name) && j[name].is_number_unsigned() ? j[name].get<uint64_t>() : 0; };
  c.hits = get("hits");
  c.misses = get("misses");
  c.errors = get("errors");
  c.compile_failed = get("compile_failed");
  c.stored = get("stored");
  c.evictions = get("evictions");
  c.index_discarded = get("index_discarded");
  c.links_verified = get("links_verified");
  c.links_nondeterministic = get("links_nondeterministic");
  c.memo_snapshot = get("memo_snapshot");
  c.memo_checked = get("memo_checked");
  if (j.contains("passthrough") && j["passthrough"].is_object()) {
    for (size_t i = 1; i < c.passthrough.size(); ++i) {
      std::string name(tools::reason_name(static_cast<tools::Passthrough>(i)));
      auto& p = j["passthrough"];
      if (p.contains(name) && p[name].is_number_unsigned()) c.passthrough[i] = p[name].get<uint64_t>();
    }
  }
  std::lock_guard lock(mutex_);
  counters_ = c;
}

}  // namespace zccache::daemon
