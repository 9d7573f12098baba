// `zccache explain`: the daemon's answer to "would this compile hit, and if not, why?".
//
// For each source of the request: the request key is computed exactly as for a compile. When its
// manifest holds an include set that matches, the answer is a hit. When the manifest has sets
// but none matches, the newest set is compared file by file (which header changed, from which
// digest to which) and directory by directory (which new file would shadow a header). When there
// is no manifest at all, the key itself changed: the inputs are compared with those recorded for
// the same object path by the last compile that stored it (compiler, arguments, environment,
// source, working directory). Nothing is delivered or stored.
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "zccache/daemon/compile_handler.h"
#include "zccache/daemon/include_set.h"
#include "zccache/daemon/request_key.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/store/manifest.h"

namespace zccache::daemon {
namespace {

using nlohmann::json;

// Cap on the reasons listed per source: enough to see a pattern, short enough to read.
constexpr size_t kMaxReasons = 20;

json env_values(const std::vector<std::string>& env) {
  json out = json::object();
  for (const char* name : kKeyEnvVars) {
    const char* value = find_env(env, name);
    out[name] = value ? json(value) : json(nullptr);
  }
  return out;
}

// Arguments only in `before` / only in `after` (as multisets), or an order change.
void compare_args(const std::vector<std::string>& before, const std::vector<std::string>& after, json& why) {
  if (before == after) return;
  std::multiset<std::string> a(before.begin(), before.end()), b(after.begin(), after.end());
  std::vector<std::string> removed, added;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(removed));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(added));
  if (removed.empty() && added.empty()) {
    why.push_back({{"kind", "argument_order"}, {"old", before}, {"new", after}});
  } else {
    why.push_back({{"kind", "arguments"}, {"removed", removed}, {"added", added}});
  }
}

// Why `set` no longer matches: every changed or missing file, then the first shadowing change.
void diagnose_include_set(const store::IncludeSet& set, const std::string& cwd, fscache::MetadataCache& files,
                          fscache::DirectoryCache& listings, json& why) {
  for (const auto& file : set.files) {
    if (why.size() >= kMaxReasons) return;
    auto facts = files.facts(os::absolute_from(cwd, file.path));
    if (!facts.ok()) {
      why.push_back({{"kind", "file_missing"}, {"path", file.path}, {"old", file.digest.hex()}});
    } else if (facts->digest != file.digest) {
      why.push_back({{"kind", "file_changed"}, {"path", file.path}, {"old", file.digest.hex()},
                     {"new", facts->digest.hex()}});
    }
  }
  fscache::DirectoryLookup lookup(listings);
  for (const auto& d : set.dirs) {
    if (why.size() >= kMaxReasons) return;
    std::string abs = os::absolute_from(cwd, d.path);
    const fscache::DirectoryCache::Listing* list = lookup.listing_of(abs);
    for (const auto& name : d.absent) {
      if (list && fscache::DirectoryLookup::contains(*list, abs, name)) {
        why.push_back({{"kind", "shadowing_file_added"}, {"path", d.path + "/" + name}});
      }
    }
    for (const auto& name : d.present) {
      if (!list || !fscache::DirectoryLookup::contains(*list, abs, name)) {
        why.push_back({{"kind", "file_removed"}, {"path", d.path + "/" + name}});
      }
    }
  }
}

std::string describe(const json& r) {
  std::string kind = r["kind"];
  auto str = [&](const char* k) { return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : "(unset)"; };
  auto list = [&](const char* k) {
    std::string out;
    for (const auto& a : r[k]) out += (out.empty() ? "" : " ") + a.get<std::string>();
    return out.empty() ? std::string("(none)") : out;
  };
  if (kind == "file_changed") return "file " + str("path") + " changed (" + str("old") + " -> " + str("new") + ")";
  if (kind == "file_missing") return "file " + str("path") + " is gone";
  if (kind == "shadowing_file_added") return "new file " + str("path") + " would be included instead";
  if (kind == "file_removed") return "file " + str("path") + " was removed";
  if (kind == "source_changed") return "source " + str("path") + " changed (" + str("old") + " -> " + str("new") + ")";
  if (kind == "compiler") return "compiler " + str("path") + " changed (identity " + str("old") + " -> " + str("new") + ")";
  if (kind == "compiler_path") return "compiler changed from " + str("old") + " to " + str("new");
  if (kind == "arguments") return "arguments changed: removed " + list("removed") + "; added " + list("added");
  if (kind == "argument_order") return "argument order changed";
  if (kind == "env") return "environment variable " + str("name") + " changed from " + str("old") + " to " + str("new");
  if (kind == "cwd") return "working directory changed from " + str("old") + " to " + str("new") +
                            " (it reaches the object: debug info)";
  if (kind == "no_entry") return "nothing cached for this output or these inputs yet";
  if (kind == "result_missing") return "the cached result was evicted or lost";
  if (kind == "other") return "the request key differs in a way not listed (e.g. terminal colour)";
  return kind;
}

}  // namespace

store::IndexWrite CompileHandler::output_record(const PendingMiss& miss, const MissUnit& unit) {
  const protocol::CompileRequest& req = miss.request;
  auto source = p_.files.facts(os::absolute_from(req.cwd, unit.plan.source));
  json record = {{"compiler", req.compiler},
                 {"identity", miss.compiler.identity.hex()},
                 {"args", unit.plan.key_args},
                 {"env", env_values(req.env)},
                 {"cwd", req.cwd},
                 {"cwd_matters", unit.plan.cwd_matters},
                 {"source", unit.plan.source},
                 {"source_digest", source.ok() ? source->digest.hex() : ""},
                 {"request_key", unit.request_key.hex()}};
  return {store::Table::kOutputs, os::absolute_from(req.cwd, unit.plan.object), record.dump()};
}

std::string CompileHandler::explain(const protocol::ExplainRequest& ex) {
  if (p_.watcher) p_.watcher->drain();
  protocol::CompileRequest req;
  req.compiler = ex.compiler;
  req.args = ex.args;
  req.cwd = ex.cwd;
  req.env = ex.env;
  req.stderr_is_tty = ex.stderr_is_tty;

  json out = {{"compiler", req.compiler}, {"cwd", req.cwd}};
  auto compiler = p_.compilers.info(req.compiler);
  if (!compiler.ok() || compiler->family == tools::Family::kUnknown) {
    out["outcome"] = "passthrough";
    out["reason"] = tools::reason_name(tools::Passthrough::kUnknownCompiler);
    out["text"] = "would run uncached: " + out["reason"].get<std::string>();
    return out.dump();
  }
  PlannedRequest planned = plan_request(req, *compiler);
  if (planned.passthrough != tools::Passthrough::kNone) {
    out["outcome"] = "passthrough";
    out["reason"] = tools::reason_name(planned.passthrough);
    out["text"] = "would run uncached: " + out["reason"].get<std::string>();
    return out.dump();
  }

  json units = json::array();
  std::string text;
  bool all_hit = true;
  for (size_t i = 0; i < planned.plans.size(); ++i) {
    const tools::Plan& plan = planned.plans[i];
    const hash::Digest& key = planned.keys[i];
    json why = json::array();
    bool hit = false;
    auto bytes = p_.index.get(store::Table::kManifests, key.raw());
    std::optional<store::Manifest> manifest;
    if (bytes.ok() && bytes->has_value()) manifest = store::decode_manifest(**bytes);
    if (manifest && !manifest->entries.empty()) {
      for (const auto& set : manifest->entries) {
        if (!include_set_matches(set, req.cwd, p_.files, p_.listings)) continue;
        auto result = p_.index.get(store::Table::kResults, set.result_key.raw());
        hit = result.ok() && result->has_value();
        if (!hit) why.push_back({{"kind", "result_missing"}});
        break;
      }
      if (!hit && why.empty()) diagnose_include_set(manifest->entries.front(), req.cwd, p_.files, p_.listings, why);
    } else {
      auto recorded = p_.index.get(store::Table::kOutputs, os::absolute_from(req.cwd, plan.object));
      json old = recorded.ok() && recorded->has_value() ? json::parse(**recorded, nullptr, false) : json();
      if (!old.is_object()) {
        why.push_back({{"kind", "no_entry"}});
      } else {
        if (old.value("compiler", "") != req.compiler) {
          why.push_back({{"kind", "compiler_path"}, {"old", old.value("compiler", "")}, {"new", req.compiler}});
        } else if (old.value("identity", "") != compiler->identity.hex()) {
          why.push_back({{"kind", "compiler"}, {"path", req.compiler}, {"old", old.value("identity", "")},
                         {"new", compiler->identity.hex()}});
        }
        compare_args(old.value("args", std::vector<std::string>{}), plan.key_args, why);
        json now_env = env_values(req.env);
        if (old.contains("env") && old["env"].is_object()) {
          for (auto& [name, value] : now_env.items()) {
            json before = old["env"].value(name, json(nullptr));
            if (before != value) why.push_back({{"kind", "env"}, {"name", name}, {"old", before}, {"new", value}});
          }
        }
        if (old.value("source_digest", "") != planned.source_digests[i].hex()) {
          why.push_back({{"kind", "source_changed"}, {"path", plan.source}, {"old", old.value("source_digest", "")},
                         {"new", planned.source_digests[i].hex()}});
        }
        if (plan.cwd_matters && old.value("cwd", "") != req.cwd) {
          why.push_back({{"kind", "cwd"}, {"old", old.value("cwd", "")}, {"new", req.cwd}});
        }
        if (why.empty()) why.push_back({{"kind", "other"}});
      }
    }
    all_hit = all_hit && hit;
    std::string line = plan.object + ": " + (hit ? "would hit" : "would miss");
    for (const auto& r : why) line += "\n  " + describe(r);
    text += (text.empty() ? "" : "\n") + line;
    units.push_back({{"source", plan.source}, {"object", plan.object}, {"outcome", hit ? "hit" : "miss"}, {"why", why}});
  }
  out["outcome"] = all_hit ? "hit" : "miss";
  out["units"] = units;
  out["text"] = text;
  return out.dump();
}

}  // namespace zccache::daemon
