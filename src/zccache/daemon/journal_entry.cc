#include "zccache/daemon/journal_entry.h"

#include <time.h>

#include <array>
#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "zccache/remote/remote_spec.h"

namespace zccache::daemon {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

// Arguments as a shell would need them: bare when made of unremarkable characters, else quoted.
void append_shell_word(std::string& out, const std::string& word) {
  bool plain = !word.empty();
  for (unsigned char c : word) {
    if (!(std::isalnum(c) || std::string_view("-_./=:,+@%").find(static_cast<char>(c)) != std::string_view::npos)) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += word;
    return;
  }
  out += '\'';
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
}

}  // namespace

std::string_view outcome_name(JournalOutcome outcome) {
  switch (outcome) {
    case JournalOutcome::kHit:
      return "hit";
    case JournalOutcome::kMiss:
      return "miss";
    case JournalOutcome::kError:
      return "error";
    case JournalOutcome::kPassthrough:
      return "passthrough";
    case JournalOutcome::kLinkHit:
      return "link_hit";
    case JournalOutcome::kLinkMiss:
      return "link_miss";
    case JournalOutcome::kUpload:
      return "upload";
  }
  return "error";
}

EnvMap env_map(const char* const* environ_block) {
  EnvMap map;
  for (const char* const* e = environ_block; e && *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    map.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return map;
}

bool looks_secret(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view word : {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "KEY", "CREDENTIAL", "AUTH"}) {
    if (upper.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string format_utc_ms(int64_t realtime_ns) {
  time_t seconds = static_cast<time_t>(realtime_ns / 1'000'000'000);
  int millis = static_cast<int>((realtime_ns % 1'000'000'000) / 1'000'000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    --seconds;
  }
  struct tm utc {};
  ::gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buf;
}

std::vector<std::pair<std::string, std::string>> env_differences(const std::vector<std::string>& env,
                                                                 const EnvMap& daemon_env) {
  std::vector<std::pair<std::string, std::string>> diff;
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string name = entry.substr(0, eq);
    std::string value = entry.substr(eq + 1);
    auto it = daemon_env.find(name);
    if (it != daemon_env.end() && it->second == value) continue;
    if (looks_secret(name)) {
      value = kRedacted;
    } else {
      value = remote::redact_urls(value);  // ZCCACHE_REMOTE=redis://:password@host, http_proxy, ...
    }
    diff.emplace_back(std::move(name), std::move(value));
  }
  return diff;
}

std::string journal_line(const JournalEntry& entry, const EnvMap& daemon_env) {
  // nlohmann::ordered_json keeps the documented field order, which makes lines easy to eyeball.
  nlohmann::ordered_json j;
  j["ts"] = format_utc_ms(entry.ts_ns);
  j["outcome"] = outcome_name(entry.outcome);
  if (entry.outcome == JournalOutcome::kPassthrough) j["reason"] = entry.reason;
  j["compiler"] = entry.compiler;
  j["args"] = entry.args;
  j["cwd"] = entry.cwd;
  auto diff = env_differences(entry.env, daemon_env);
  if (!diff.empty()) {
    nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
    for (auto& [name, value] : diff) pairs.push_back({name, value});
    j["env"] = std::move(pairs);
  }
  j["exit_code"] = entry.exit_code ? nlohmann::ordered_json(*entry.exit_code) : nlohmann::ordered_json(nullptr);
  j["session_id"] = entry.session_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(entry.session_id);
  j["latency_ns"] = entry.latency_ns;
  if (!entry.remote.empty()) {
    nlohmann::ordered_json remotes = nlohmann::ordered_json::array();
    for (const RemoteAttempt& a : entry.remote) {
      nlohmann::ordered_json r;
      r["url"] = a.url;
      r["outcome"] = remote_outcome_name(a.outcome);
      r["latency_ns"] = a.latency_ns;
      if (!a.error.empty()) r["error"] = remote::redact_urls(a.error);
      remotes.push_back(std::move(r));
    }
    j["remote"] = std::move(remotes);
  }
  if (!entry.upload.empty()) j["upload"] = entry.upload;
  // Invalid UTF-8 in an argument or a path must not lose the line: replace, do not throw.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string log_line(const JournalEntry& entry) {
  std::string out = format_utc_ms(entry.ts_ns);
  char head[48];
  int64_t shown_ns = entry.outcome == JournalOutcome::kMiss || entry.outcome == JournalOutcome::kLinkMiss ||
                             entry.outcome == JournalOutcome::kError
                         ? std::max(entry.compile_ns, entry.latency_ns)
                         : entry.latency_ns;
  std::snprintf(head, sizeof(head), " %-11s %9.1f ms ", std::string(outcome_name(entry.outcome)).c_str(),
                static_cast<double>(shown_ns) / 1e6);
  out += head;
  append_shell_word(out, entry.compiler);
  for (const std::string& arg : entry.args) {
    out += ' ';
    append_shell_word(out, arg);
  }
  out += " (in ";
  out += entry.cwd;
  out += ')';
  if (entry.exit_code && *entry.exit_code != 0) out += " exit " + std::to_string(*entry.exit_code);
  if (entry.outcome == JournalOutcome::kPassthrough) out += " [" + entry.reason + "]";
  for (const RemoteAttempt& a : entry.remote) {
    out += " [remote " + a.url + ": " + std::string(remote_outcome_name(a.outcome));
    if (!a.error.empty()) out += ": " + remote::redact_urls(a.error);
    out += "]";
  }
  if (!entry.upload.empty()) out += " [upload: " + entry.upload + "]";
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';  // one line per compile, whatever the arguments hold
  }
  return out;
}

}  // namespace zccache::daemon
