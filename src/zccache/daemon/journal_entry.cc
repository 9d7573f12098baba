#include "zccache/daemon/journal_entry.h"

#include <time.h>

#include <array>
#include <cctype>
#include <cstdio>

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

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 when the bytes there are not one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return byte(k) >= lo && byte(k) <= hi; };
  const unsigned c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;  // printable ASCII other than '"' and '\\' goes out as it is, a run at a time
    while (run < s.size() && static_cast<unsigned char>(s[run]) >= 0x20 && static_cast<unsigned char>(s[run]) < 0x80 &&
           s[run] != '"' && s[run] != '\\') {
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t len = utf8_sequence_length(s, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no well-formed sequence
        ++i;
      } else {
        out.append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned>(c));
        out += hex;
      }
    }
    ++i;
  }
  out += '"';
}

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

namespace {

std::string env_field(const std::vector<std::string>& env, const EnvMap& daemon_env) {
  auto diff = env_differences(env, daemon_env);
  std::string out;
  if (diff.empty()) return out;
  out += ',';
  append_json_string(out, "env");
  out += ":[";
  for (size_t i = 0; i < diff.size(); ++i) {
    out += i > 0 ? ",[" : "[";
    append_json_string(out, diff[i].first);
    out += ',';
    append_json_string(out, diff[i].second);
    out += ']';
  }
  out += ']';
  return out;
}

}  // namespace

const std::string& EnvFieldCache::field(const std::vector<std::string>& env, const EnvMap& daemon_env) {
  if (!valid_ || env != env_) {
    field_ = env_field(env, daemon_env);
    env_ = env;
    valid_ = true;
  }
  return field_;
}

std::string journal_line(const JournalEntry& entry, const EnvMap& daemon_env, EnvFieldCache* env_cache) {
  // Written field by field in the documented order. Built as an nlohmann::ordered_json document
  // (a node and a copy per field and argument), the line cost more than half of the journal
  // thread's time per hit: ~25 µs of CPU that competes with the build on a small machine.
  std::string out;
  out.reserve(512 + entry.cwd.size() + entry.compiler.size() + 16 * entry.args.size());
  auto field = [&](std::string_view name) {
    out += out.empty() ? "{" : ",";
    append_json_string(out, name);
    out += ':';
  };
  field("ts");
  append_json_string(out, format_utc_ms(entry.ts_ns));
  field("outcome");
  append_json_string(out, outcome_name(entry.outcome));
  if (entry.outcome == JournalOutcome::kPassthrough) {
    field("reason");
    append_json_string(out, entry.reason);
  }
  field("compiler");
  append_json_string(out, entry.compiler);
  field("args");
  out += '[';
  for (size_t i = 0; i < entry.args.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, entry.args[i]);
  }
  out += ']';
  field("cwd");
  append_json_string(out, entry.cwd);
  out += env_cache ? env_cache->field(entry.env, daemon_env) : env_field(entry.env, daemon_env);
  field("exit_code");
  out += entry.exit_code ? std::to_string(*entry.exit_code) : "null";
  field("session_id");
  if (entry.session_id.empty()) {
    out += "null";
  } else {
    append_json_string(out, entry.session_id);
  }
  field("latency_ns");
  out += std::to_string(entry.latency_ns);
  if (!entry.remote.empty()) {
    field("remote");
    out += '[';
    for (size_t i = 0; i < entry.remote.size(); ++i) {
      const RemoteAttempt& a = entry.remote[i];
      out += i > 0 ? ",{" : "{";
      append_json_string(out, "url");
      out += ':';
      append_json_string(out, a.url);
      out += ",\"outcome\":";
      append_json_string(out, remote_outcome_name(a.outcome));
      out += ",\"latency_ns\":" + std::to_string(a.latency_ns);
      if (!a.error.empty()) {
        out += ",\"error\":";
        append_json_string(out, remote::redact_urls(a.error));
      }
      out += '}';
    }
    out += ']';
  }
  if (!entry.upload.empty()) {
    field("upload");
    append_json_string(out, entry.upload);
  }
  out += '}';
  return out;
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
