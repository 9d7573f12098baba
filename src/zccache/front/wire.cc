#include "zccache/front/wire.h"

#include <string.h>

namespace zccache::front {
namespace {

constexpr size_t kLengthBytes = 4;  // strings and vectors: a u32 length or count first

// Little-endian fixed-width writes into a buffer sized beforehand.
struct Writer {
  char* at;

  template <typename U>
  void put(U v) {
    for (size_t i = 0; i < sizeof(U); ++i) *at++ = static_cast<char>(v >> (8 * i));
  }
  void bytes(const char* data, size_t size) {
    put(static_cast<uint32_t>(size));
    memcpy(at, data, size);
    at += size;
  }
  void string(Bytes b) { bytes(b.data, b.size); }
};

size_t env_count(char* const* env) {
  size_t n = 0;
  while (env && env[n]) ++n;
  return n;
}

// Reads with bounds: after the first failure every call fails.
struct Reader {
  const char* at;
  const char* end;

  template <typename U>
  bool get(U* v) {
    if (static_cast<size_t>(end - at) < sizeof(U)) return false;
    U x = 0;
    for (size_t i = 0; i < sizeof(U); ++i) x |= static_cast<U>(static_cast<uint8_t>(at[i])) << (8 * i);
    at += sizeof(U);
    *v = x;
    return true;
  }
  bool string(Bytes* out) {
    uint32_t n = 0;
    if (!get(&n) || n > static_cast<size_t>(end - at)) return false;
    *out = Bytes{at, n};
    at += n;
    return true;
  }
  bool strings() {
    uint32_t count = 0;
    if (!get(&count)) return false;
    Bytes ignored;
    for (uint32_t i = 0; i < count; ++i) {
      if (!string(&ignored)) return false;
    }
    return true;
  }
  bool integers(size_t width) {
    uint32_t count = 0;
    if (!get(&count) || count > static_cast<size_t>(end - at) / width) return false;
    at += count * width;
    return true;
  }
  bool boolean() {
    uint8_t b = 2;
    return get(&b) && b <= 1;
  }
};

}  // namespace

size_t request_frame_size(const Request& r) {
  size_t payload = 0;
  payload += kLengthBytes + r.client_version.size;
  payload += kLengthBytes + r.compiler.size;
  payload += kLengthBytes;
  for (size_t i = 0; i < r.arg_count; ++i) payload += kLengthBytes + strlen(r.args[i]);
  payload += kLengthBytes + r.cwd.size;
  payload += kLengthBytes;
  for (char* const* e = r.env; e && *e; ++e) payload += kLengthBytes + strlen(*e);
  payload += 4 + 1;  // umask, stderr_is_tty
  payload += kLengthBytes + r.session_id.size;
  payload += kLengthBytes + r.path_search.size;
  if (payload > kMaxPayloadBytes) return 0;
  return kHeaderBytes + payload;
}

void write_request_frame(const Request& r, char* out) {
  const size_t total = request_frame_size(r);
  Writer w{out};
  w.put(kMagic);
  w.put(kProtocolVersion);
  w.put(kCompileRequestType);
  w.put(static_cast<uint32_t>(total - kHeaderBytes));
  w.string(r.client_version);
  w.string(r.compiler);
  w.put(static_cast<uint32_t>(r.arg_count));
  for (size_t i = 0; i < r.arg_count; ++i) w.bytes(r.args[i], strlen(r.args[i]));
  w.string(r.cwd);
  w.put(static_cast<uint32_t>(env_count(r.env)));
  for (char* const* e = r.env; e && *e; ++e) w.bytes(*e, strlen(*e));
  w.put(r.umask);
  w.put(static_cast<uint8_t>(r.stderr_is_tty ? 1 : 0));
  w.string(r.session_id);
  w.string(r.path_search);
}

bool parse_header(const char* bytes, Header* out) {
  Reader r{bytes, bytes + kHeaderBytes};
  uint32_t magic = 0;
  uint16_t version = 0;
  r.get(&magic);
  r.get(&version);
  r.get(&out->type);
  r.get(&out->length);
  return magic == kMagic && version == kProtocolVersion && out->length <= kMaxPayloadBytes;
}

// The field order of protocol::CompileReply (codec.cc for_each_field).
bool parse_reply(const char* payload, size_t size, Reply* out) {
  Reader r{payload, payload + size};
  uint64_t miss_token = 0;
  uint32_t exit_code = 0;
  Bytes reason, compiler;
  const bool ok =
      r.get(&out->outcome) && out->outcome <= kLastOutcome && r.get(&exit_code) &&
         r.string(&out->stdout_data) && r.string(&out->stderr_data) && r.get(&miss_token) &&
         r.strings() /* extra_args */ && r.string(&reason) && r.integers(1) /* unit_hit */ &&
         r.integers(4) /* unit_arg_index */ && r.strings() /* unit_stdout */ && r.strings() /* unit_stderr */ &&
         r.strings() /* expanded_args */ && r.strings() /* extra_env */ && r.boolean() /* unit_markers */ &&
         r.string(&compiler) && r.at == r.end;
  out->exit_code = static_cast<int32_t>(exit_code);
  return ok;
}

}  // namespace zccache::front
