#include "zccache/remote/remote_spec.h"

#include <cctype>
#include <charconv>

namespace zccache::remote {
namespace {

Error invalid(std::string_view url, const std::string& why) {
  return make_error(ErrorCode::kInvalid, "remote '" + redact_urls(url) + "': " + why);
}

// 0..max in decimal, nothing else.
bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && out <= max;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding of user info (a password may hold '@', ':' or '/' that way).
bool percent_decode(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool parse_timeout(std::string_view value, std::chrono::milliseconds& out) {
  uint64_t ms = 0;
  if (!parse_uint(value, 60000, ms) || ms == 0) return false;
  out = std::chrono::milliseconds(ms);
  return true;
}

}  // namespace

std::string redact_urls(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t sep = text.find("://", pos);
    if (sep == std::string_view::npos) break;
    size_t start = sep + 3;
    size_t end = start;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' &&
           !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    size_t at = text.substr(start, end - start).rfind('@');
    out.append(text.substr(pos, start - pos));
    if (at != std::string_view::npos) {
      out += "***";
      start += at;  // keeps the '@'
    }
    out.append(text.substr(start, end - start));
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

std::string RemoteSpec::redacted() const {
  std::string out = scheme + "://";
  if (!username.empty() || !password.empty()) out += "***@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  out += kind == Kind::kRedis ? "/" + std::to_string(db) : path;
  return out;
}

std::string RemoteSpec::base_url() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port) + path;
}

Result<RemoteSpec> parse_remote(std::string_view url, const EnvCredentials& env) {
  RemoteSpec spec;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return invalid(url, "expected redis://, http:// or https://");
  for (char c : url.substr(0, sep)) spec.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (spec.scheme == "redis") {
    spec.kind = Kind::kRedis;
    spec.port = 6379;
    spec.connect_timeout = kRedisConnectTimeout;
    spec.request_timeout = kRedisRequestTimeout;
  } else if (spec.scheme == "http" || spec.scheme == "https") {
    spec.kind = Kind::kHttp;
    spec.port = spec.scheme == "http" ? 80 : 443;
    spec.connect_timeout = kHttpConnectTimeout;
    spec.request_timeout = kHttpRequestTimeout;
  } else {
    return invalid(url, "unsupported scheme '" + spec.scheme + "' (redis, http, https)");
  }
  std::string_view rest = url.substr(sep + 3);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view info = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = info.find(':');
    if (!percent_decode(info.substr(0, colon), spec.username)) return invalid(url, "bad %-escape in the user name");
    if (colon != std::string_view::npos && !percent_decode(info.substr(colon + 1), spec.password))
      return invalid(url, "bad %-escape in the password");
  }
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid(url, "unterminated '[' in the host");
    spec.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid(url, "unexpected text after the host");
      port_text = after.substr(1);
      if (port_text.empty()) return invalid(url, "empty port");
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    spec.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return invalid(url, "empty port");
  } else {
    spec.host = std::string(authority);
  }
  if (spec.host.empty()) return invalid(url, "no host");
  if (!port_text.empty()) {
    uint64_t port = 0;
    if (!parse_uint(port_text, 65535, port) || port == 0) return invalid(url, "bad port '" + std::string(port_text) + "'");
    spec.port = static_cast<uint16_t>(port);
  }
  if (spec.kind == Kind::kRedis) {
    if (path.size() > 1) {
      uint64_t db = 0;
      if (!parse_uint(path.substr(1), 1u << 20, db)) return invalid(url, "the path must be a database number");
      spec.db = static_cast<int>(db);
    }
  } else {
    spec.path = path.empty() ? "/" : std::string(path);
    if (spec.path.back() != '/') spec.path += '/';
  }
  while (!query.empty()) {
    std::string_view item = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), item.size() + 1));
    size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    std::chrono::milliseconds* target = key == "connect-timeout" ? &spec.connect_timeout
                                        : key == "timeout"       ? &spec.request_timeout
                                                                 : nullptr;
    if (!target) return invalid(url, "unknown option '" + std::string(key) + "' (connect-timeout, timeout)");
    if (!parse_timeout(value, *target))
      return invalid(url, std::string(key) + " must be milliseconds from 1 to 60000");
  }
  if (spec.username.empty() && spec.password.empty()) {
    spec.username = env.username;
    spec.password = env.password;
  }
  return spec;
}

Result<std::vector<RemoteSpec>> parse_remotes(std::string_view text, const EnvCredentials& env) {
  std::vector<RemoteSpec> specs;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end == pos) break;
    auto spec = parse_remote(text.substr(pos, end - pos), env);
    if (!spec.ok()) return spec.error();
    specs.push_back(std::move(spec).value());
    pos = end;
  }
  return specs;
}

}  // namespace zccache::remote
