#include "zccache/protocol/codec.h"

#include <cassert>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace zccache::protocol {
namespace {

// ---- Field lists ---------------------------------------------------------------------------
// The single description of each payload's layout (frame.h): the sizer, the writer and the reader
// all walk the same list, so they cannot disagree. Keep the order of messages.h.

template <typename M, typename T>
concept MessageOf = std::same_as<std::remove_const_t<M>, T>;

template <typename M, typename F>
  requires MessageOf<M, CompileRequest>
void for_each_field(M& m, F& f) {
  f(m.client_version);
  f(m.compiler);
  f(m.args);
  f(m.cwd);
  f(m.env);
  f(m.umask);
  f(m.stderr_is_tty);
  f(m.session_id);
  f(m.path_search);
}

template <typename M, typename F>
  requires MessageOf<M, CompileReply>
void for_each_field(M& m, F& f) {
  f(m.outcome);
  f(m.exit_code);
  f(m.stdout_data);
  f(m.stderr_data);
  f(m.miss_token);
  f(m.extra_args);
  f(m.reason);
  f(m.unit_hit);
  f(m.unit_arg_index);
  f(m.unit_stdout);
  f(m.unit_stderr);
  f(m.expanded_args);
  f(m.extra_env);
  f(m.unit_markers);
  f(m.compiler);
}

template <typename M, typename F>
  requires MessageOf<M, StoreRequest>
void for_each_field(M& m, F& f) {
  f(m.miss_token);
  f(m.exit_code);
  f(m.stdout_data);
  f(m.stderr_data);
  f(m.start_time_ns);
  f(m.duration_ns);
  f(m.units);
}

template <typename M, typename F>
  requires MessageOf<M, StoreReply>
void for_each_field(M& m, F& f) {
  f(m.stored);
  f(m.reason);
}

template <typename M, typename F>
  requires MessageOf<M, CommandRequest>
void for_each_field(M& m, F& f) {
  f(m.command);
  f(m.client_version);
  f(m.args);
}

template <typename M, typename F>
  requires MessageOf<M, CommandReply>
void for_each_field(M& m, F& f) {
  f(m.json);
}

template <typename M, typename F>
  requires MessageOf<M, ErrorReply>
void for_each_field(M& m, F& f) {
  f(m.message);
}

template <typename M, typename F>
  requires MessageOf<M, ExplainRequest>
void for_each_field(M& m, F& f) {
  f(m.client_version);
  f(m.compiler);
  f(m.args);
  f(m.cwd);
  f(m.env);
  f(m.stderr_is_tty);
}

template <typename M, typename F>
  requires MessageOf<M, FingerprintRequest>
void for_each_field(M& m, F& f) {
  f(m.client_version);
  f(m.root);
  f(m.includes);
  f(m.excludes);
  f(m.skip_file);
  f(m.skip_temp_prefix);
  f(m.hash_unknown);
  f(m.known_records);
}

template <typename M, typename F>
  requires MessageOf<M, FingerprintReply>
void for_each_field(M& m, F& f) {
  f(m.unchanged);
  f(m.paths);
  f(m.sizes);
  f(m.mtimes_ns);
  f(m.ctimes_ns);
  f(m.inodes);
  f(m.known);
  f(m.digests);
}

// ---- Invariants beyond the field layout -----------------------------------------------------
// Checked after a payload decoded field by field; a message that breaks one is malformed.

template <typename M>
Status check_invariants(const M&) {
  return {};
}

Status check_invariants(const FingerprintRequest& m) {
  if (!m.known_records.empty() && m.known_records.size() != 16) {
    return make_error(ErrorCode::kProtocol, "FingerprintRequest payload malformed: known_records of " +
                                                std::to_string(m.known_records.size()) + " bytes, not 16");
  }
  return {};
}

// Parallel vectors: one element per file in each, 16 digest bytes per file, known 0 or 1, paths
// strictly ascending (the reader merges them with sorted lists); none at all when `unchanged`.
Status check_invariants(const FingerprintReply& m) {
  const size_t n = m.paths.size();
  if (m.unchanged && n != 0) {  // (the other vectors are held to n below)
    return make_error(ErrorCode::kProtocol, "FingerprintReply payload malformed: unchanged with a file list");
  }
  if (m.sizes.size() != n || m.mtimes_ns.size() != n || m.ctimes_ns.size() != n || m.inodes.size() != n ||
      m.known.size() != n || m.digests.size() != 16 * n) {
    return make_error(ErrorCode::kProtocol, "FingerprintReply payload malformed: " + std::to_string(n) +
                                                " paths but other fields of another length");
  }
  for (size_t i = 0; i < n; ++i) {
    if (m.known[i] > 1) return make_error(ErrorCode::kProtocol, "FingerprintReply payload malformed: known byte > 1");
    if (i > 0 && !(m.paths[i - 1] < m.paths[i])) {
      return make_error(ErrorCode::kProtocol, "FingerprintReply payload malformed: paths not strictly ascending");
    }
  }
  return {};
}

constexpr MessageType type_of(const CompileRequest&) { return MessageType::kCompileRequest; }
constexpr MessageType type_of(const CompileReply&) { return MessageType::kCompileReply; }
constexpr MessageType type_of(const StoreRequest&) { return MessageType::kStoreRequest; }
constexpr MessageType type_of(const StoreReply&) { return MessageType::kStoreReply; }
constexpr MessageType type_of(const CommandRequest&) { return MessageType::kCommandRequest; }
constexpr MessageType type_of(const CommandReply&) { return MessageType::kCommandReply; }
constexpr MessageType type_of(const ErrorReply&) { return MessageType::kErrorReply; }
constexpr MessageType type_of(const ExplainRequest&) { return MessageType::kExplainRequest; }
constexpr MessageType type_of(const FingerprintRequest&) { return MessageType::kFingerprintRequest; }
constexpr MessageType type_of(const FingerprintReply&) { return MessageType::kFingerprintReply; }

// The last valid value of each enum carried in a payload; a byte above it is malformed. An enum
// field without an overload here does not compile, so a new enum cannot skip the range check.
// Update these when adding an enumerator.
constexpr uint8_t last_enumerator(CompileOutcome) {
  return static_cast<uint8_t>(CompileOutcome::kMulti);
}
constexpr uint8_t last_enumerator(Command) { return static_cast<uint8_t>(Command::kSessionEnd); }

template <typename E>
concept WireEnum = std::is_enum_v<E> && std::same_as<std::underlying_type_t<E>, uint8_t>;

// Strings and vectors carry a u32 length prefix.
constexpr size_t kLengthBytes = 4;

// ---- Sizer ---------------------------------------------------------------------------------

struct Sizer {
  size_t bytes = 0;

  void operator()(const std::string& s) { bytes += kLengthBytes + s.size(); }
  void operator()(const std::vector<std::string>& v) {
    bytes += kLengthBytes;
    for (const std::string& s : v) bytes += kLengthBytes + s.size();
  }
  template <std::integral T>
  void operator()(const std::vector<T>& v) {
    bytes += kLengthBytes + v.size() * sizeof(T);
  }
  void operator()(const TrailingStrings& t) {
    if (!t.values.empty()) (*this)(t.values);
  }
  void operator()(bool) { bytes += 1; }
  template <std::integral T>
  void operator()(T) {
    bytes += sizeof(T);
  }
  template <WireEnum E>
  void operator()(E) {
    bytes += 1;
  }
};

// ---- Writer --------------------------------------------------------------------------------

// Appends to a string whose capacity the caller reserved from Sizer, so it never reallocates.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void operator()(const std::string& s) {
    put_length(s.size());
    out_.append(s);
  }
  void operator()(const std::vector<std::string>& v) {
    put_length(v.size());
    for (const std::string& s : v) (*this)(s);
  }
  template <std::integral T>
  void operator()(const std::vector<T>& v) {
    put_length(v.size());
    for (T x : v) (*this)(x);
  }
  void operator()(const TrailingStrings& t) {
    if (!t.values.empty()) (*this)(t.values);
  }
  void operator()(bool b) { put(static_cast<uint8_t>(b ? 1 : 0)); }
  template <std::integral T>
  void operator()(T v) {
    put(static_cast<std::make_unsigned_t<T>>(v));
  }
  template <WireEnum E>
  void operator()(E e) {
    put(static_cast<uint8_t>(e));
  }

 private:
  void put_length(size_t n) {
    assert(n <= std::numeric_limits<uint32_t>::max());
    put(static_cast<uint32_t>(n));
  }
  template <std::unsigned_integral U>
  void put(U v) {
    char buf[sizeof(U)];
    for (size_t i = 0; i < sizeof(U); ++i) buf[i] = static_cast<char>(v >> (8 * i));
    out_.append(buf, sizeof(U));
  }

  std::string& out_;
};

// ---- Reader --------------------------------------------------------------------------------

// Reads fields from a payload. After the first failure every later call is a no-op and finish()
// reports that failure, so the field lists need no error plumbing.
class Reader {
 public:
  Reader(std::string_view in, const char* message_name) : in_(in), name_(message_name) {}

  void operator()(std::string& s) {
    uint32_t n = 0;
    if (!take(n, "string length")) return;
    if (n > remaining()) {
      return fail("string of " + std::to_string(n) + " bytes but only " +
                  std::to_string(remaining()) + " remain");
    }
    s.assign(in_.data() + pos_, n);
    pos_ += n;
  }

  void operator()(std::vector<std::string>& v) {
    uint32_t count = 0;
    if (!take(count, "vector count")) return;
    // Each element costs at least its length prefix, so a count the remaining bytes cannot hold
    // is refused before reserve() trusts it.
    if (count > remaining() / kLengthBytes) {
      return fail("vector of " + std::to_string(count) + " strings but only " +
                  std::to_string(remaining()) + " bytes remain");
    }
    v.clear();
    v.reserve(count);
    for (uint32_t i = 0; i < count && ok_; ++i) (*this)(v.emplace_back());
  }

  template <std::integral T>
  void operator()(std::vector<T>& v) {
    uint32_t count = 0;
    if (!take(count, "vector count")) return;
    if (count > remaining() / sizeof(T)) {
      return fail("vector of " + std::to_string(count) + " integers but only " +
                  std::to_string(remaining()) + " bytes remain");
    }
    v.assign(count, T{});
    for (uint32_t i = 0; i < count && ok_; ++i) (*this)(v[i]);
  }

  // Absent when the payload ends here; present means non-empty, so the encoding stays canonical.
  void operator()(TrailingStrings& t) {
    if (!ok_ || remaining() == 0) return;
    if (remaining() < kLengthBytes) return fail(std::to_string(remaining()) + " trailing bytes");
    (*this)(t.values);
    if (ok_ && t.values.empty()) fail("empty trailing string list (an empty one is omitted)");
  }

  void operator()(bool& b) {
    uint8_t byte = 0;
    if (!take(byte, "bool")) return;
    if (byte > 1) return fail("bool byte " + std::to_string(byte) + " is not 0 or 1");
    b = byte == 1;
  }

  template <std::integral T>
  void operator()(T& v) {
    std::make_unsigned_t<T> u = 0;
    if (!take(u, "integer")) return;
    v = static_cast<T>(u);  // two's complement by C++20
  }

  template <WireEnum E>
  void operator()(E& e) {
    uint8_t byte = 0;
    if (!take(byte, "enum")) return;
    if (byte > last_enumerator(E{})) {
      return fail("enum value " + std::to_string(byte) + " out of range (last is " +
                  std::to_string(last_enumerator(E{})) + ")");
    }
    e = static_cast<E>(byte);
  }

  // Succeeds when every field was read and no byte is left over.
  Status finish() {
    if (ok_ && pos_ != in_.size()) {
      fail(std::to_string(in_.size() - pos_) + " trailing bytes");
    }
    if (!ok_) return make_error(ErrorCode::kProtocol, std::move(error_));
    return {};
  }

 private:
  size_t remaining() const { return in_.size() - pos_; }

  template <std::unsigned_integral U>
  bool take(U& out, const char* what) {
    if (!ok_) return false;
    if (remaining() < sizeof(U)) {
      fail(std::string("truncated ") + what + ": need " + std::to_string(sizeof(U)) +
           " bytes, " + std::to_string(remaining()) + " remain");
      return false;
    }
    U v = 0;
    for (size_t i = 0; i < sizeof(U); ++i) {
      v |= static_cast<U>(static_cast<U>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i));
    }
    pos_ += sizeof(U);
    out = v;
    return true;
  }

  void fail(std::string what) {
    if (!ok_) return;
    ok_ = false;
    error_ = std::string(name_) + " payload malformed at offset " + std::to_string(pos_) + ": " +
             what;
  }

  std::string_view in_;
  const char* name_;
  size_t pos_ = 0;
  bool ok_ = true;
  std::string error_;
};

template <typename M>
Result<Message> decode_as(std::string_view payload, const char* name) {
  Message message(std::in_place_type<M>);
  Reader reader(payload, name);
  for_each_field(std::get<M>(message), reader);
  ZCCACHE_TRY(reader.finish());
  ZCCACHE_TRY(check_invariants(std::get<M>(message)));
  return message;
}

}  // namespace

MessageType message_type(const Message& message) {
  return std::visit([](const auto& m) { return type_of(m); }, message);
}

size_t encoded_payload_size(const Message& message) {
  return std::visit(
      [](const auto& m) {
        Sizer sizer;
        for_each_field(m, sizer);
        return sizer.bytes;
      },
      message);
}

std::string encode_frame(const Message& message) {
  return std::visit(
      [](const auto& m) {
        Sizer sizer;
        for_each_field(m, sizer);
        assert(sizer.bytes <= kMaxPayloadBytes);
        std::string out;
        out.reserve(kHeaderBytes + sizer.bytes);
        out.resize(kHeaderBytes);
        encode_header(type_of(m), static_cast<uint32_t>(sizer.bytes), out.data());
        Writer writer(out);
        for_each_field(m, writer);
        assert(out.size() == kHeaderBytes + sizer.bytes);
        return out;
      },
      message);
}

Result<Message> decode_payload(MessageType type, std::string_view payload) {
  switch (type) {
    case MessageType::kCompileRequest:
      return decode_as<CompileRequest>(payload, "CompileRequest");
    case MessageType::kCompileReply:
      return decode_as<CompileReply>(payload, "CompileReply");
    case MessageType::kStoreRequest:
      return decode_as<StoreRequest>(payload, "StoreRequest");
    case MessageType::kStoreReply:
      return decode_as<StoreReply>(payload, "StoreReply");
    case MessageType::kCommandRequest:
      return decode_as<CommandRequest>(payload, "CommandRequest");
    case MessageType::kCommandReply:
      return decode_as<CommandReply>(payload, "CommandReply");
    case MessageType::kErrorReply:
      return decode_as<ErrorReply>(payload, "ErrorReply");
    case MessageType::kExplainRequest:
      return decode_as<ExplainRequest>(payload, "ExplainRequest");
    case MessageType::kFingerprintRequest:
      return decode_as<FingerprintRequest>(payload, "FingerprintRequest");
    case MessageType::kFingerprintReply:
      return decode_as<FingerprintReply>(payload, "FingerprintReply");
  }
  return make_error(ErrorCode::kProtocol,
                    "unknown message type " + std::to_string(static_cast<uint16_t>(type)));
}

}  // namespace zccache::protocol
