#include "zccache/protocol/codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "zccache/protocol/frame.h"
#include "zccache/protocol/messages.h"

namespace zccache::protocol {
namespace {

using namespace std::string_literals;

// Every byte value, NULs included.
std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// Decodes a whole frame as a receiver would: header, then a payload of exactly header.length.
Result<Message> decode_frame(std::string_view frame) {
  if (frame.size() < kHeaderBytes) return make_error(ErrorCode::kProtocol, "short frame");
  auto header = decode_header(frame.substr(0, kHeaderBytes));
  if (!header.ok()) return header.error();
  std::string_view payload = frame.substr(kHeaderBytes);
  if (payload.size() != header->length) return make_error(ErrorCode::kProtocol, "length mismatch");
  return decode_payload(header->type, payload);
}

std::string header_bytes(uint32_t magic, uint16_t version, uint16_t type, uint32_t length) {
  std::string h(kHeaderBytes, '\0');
  for (int i = 0; i < 4; ++i) h[i] = static_cast<char>(magic >> (8 * i));
  h[4] = static_cast<char>(version);
  h[5] = static_cast<char>(version >> 8);
  h[6] = static_cast<char>(type);
  h[7] = static_cast<char>(type >> 8);
  for (int i = 0; i < 4; ++i) h[8 + i] = static_cast<char>(length >> (8 * i));
  return h;
}

CompileRequest full_compile_request() {
  CompileRequest m;
  m.client_version = "0.1.0";
  m.compiler = "/usr/bin/clang++";
  m.args = {"-c", "a.cpp", "-o", "a.o", "", "-DX=\"a b\""};
  m.cwd = "/home/u/project";
  m.env = {"PATH=/usr/bin", "LANG=C.UTF-8", "EMPTY="};
  m.umask = 077;
  m.stderr_is_tty = true;
  m.session_id = "abc123";
  return m;
}

CompileReply full_compile_reply() {
  CompileReply m;
  m.outcome = CompileOutcome::kMiss;
  m.exit_code = -1;
  m.stdout_data = "out\0put"s;
  m.stderr_data = all_bytes();
  m.miss_token = std::numeric_limits<uint64_t>::max();
  m.extra_args = {"-MD", "-MF", "/tmp/zccache-1.d"};
  m.reason = "linking";
  m.unit_hit = {1, 0, 1};
  m.unit_arg_index = {1, 2, std::numeric_limits<uint32_t>::max()};
  m.unit_stdout = {"", "", "x"};
  m.unit_stderr = {"w\n", "", ""};
  m.expanded_args = {"-c", "a.c", "b.c", "c.c"};
  m.extra_env = {"SUNPRO_DEPENDENCIES=/tmp/d"};
  m.unit_markers = true;
  return m;
}

StoreRequest full_store_request() {
  StoreRequest m;
  m.miss_token = 0x0123456789ABCDEFull;
  m.exit_code = std::numeric_limits<int32_t>::min();
  m.stdout_data = all_bytes();
  m.stderr_data = "warning: x\n";
  m.start_time_ns = std::numeric_limits<int64_t>::min();
  m.duration_ns = std::numeric_limits<int64_t>::max();
  m.units = {0, 2, 7};
  return m;
}

FingerprintRequest full_fingerprint_request() {
  FingerprintRequest m;
  m.client_version = "0.2.0";
  m.root = "/home/u/project";
  m.includes = {"**/*.proto", "proto"};
  m.excludes = {"build/**"};
  m.skip_file = ".fp/state";
  m.skip_temp_prefix = ".fp/.state.tmp.";
  m.hash_unknown = true;
  return m;
}

FingerprintReply full_fingerprint_reply() {
  FingerprintReply m;
  m.paths = {"a.proto", "sub/b.proto", "sub/c\0.proto"s};
  m.sizes = {0, 12, std::numeric_limits<uint64_t>::max()};
  m.mtimes_ns = {-1, 1'700'000'000'123'456'789, std::numeric_limits<int64_t>::min()};
  m.ctimes_ns = {0, 1'700'000'000'123'456'790, std::numeric_limits<int64_t>::max()};
  m.inodes = {1, 2, 3};
  m.known = {1, 0, 1};
  m.digests = std::string(16, '\xab') + std::string(16, '\0') + all_bytes().substr(0, 16);
  return m;
}

// One filled and one default instance of every message type.
std::vector<Message> sample_messages() {
  return {
      full_compile_request(),
      CompileRequest{},
      full_compile_reply(),
      CompileReply{},
      full_store_request(),
      StoreRequest{},
      StoreReply{true, "stored"},
      StoreReply{},
      CommandRequest{Command::kStatus, "0.1.0", {}},
      CommandRequest{},
      CommandReply{R"({"hits":1,"misses":2})"},
      CommandReply{},
      ErrorReply{"bad frame"},
      ErrorReply{},
      ExplainRequest{"0.2.0", "/usr/bin/gcc", {"-c", "a.c"}, "/w", {"PATH=/bin"}, true},
      ExplainRequest{},
      full_fingerprint_request(),
      FingerprintRequest{},
      full_fingerprint_reply(),
      FingerprintReply{},
  };
}

void expect_round_trip(const Message& message) {
  const std::string frame = encode_frame(message);
  ASSERT_EQ(frame.size(), kHeaderBytes + encoded_payload_size(message));
  auto decoded = decode_frame(frame);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(message_type(*decoded), message_type(message));
  EXPECT_TRUE(*decoded == message);
  // Canonical: re-encoding gives the same bytes.
  EXPECT_EQ(encode_frame(*decoded), frame);
}

TEST(Codec, RoundTripsEveryMessageType) {
  for (const Message& m : sample_messages()) {
    SCOPED_TRACE(static_cast<int>(message_type(m)));
    expect_round_trip(m);
  }
}

TEST(Codec, MessageTypeMatchesAlternative) {
  EXPECT_EQ(message_type(CompileRequest{}), MessageType::kCompileRequest);
  EXPECT_EQ(message_type(CompileReply{}), MessageType::kCompileReply);
  EXPECT_EQ(message_type(StoreRequest{}), MessageType::kStoreRequest);
  EXPECT_EQ(message_type(StoreReply{}), MessageType::kStoreReply);
  EXPECT_EQ(message_type(CommandRequest{}), MessageType::kCommandRequest);
  EXPECT_EQ(message_type(CommandReply{}), MessageType::kCommandReply);
  EXPECT_EQ(message_type(ErrorReply{}), MessageType::kErrorReply);
  EXPECT_EQ(message_type(ExplainRequest{}), MessageType::kExplainRequest);
  EXPECT_EQ(message_type(FingerprintRequest{}), MessageType::kFingerprintRequest);
  EXPECT_EQ(message_type(FingerprintReply{}), MessageType::kFingerprintReply);
}

TEST(Codec, RoundTripsEveryEnumValue) {
  for (auto outcome : {CompileOutcome::kHit, CompileOutcome::kMiss, CompileOutcome::kPassthrough,
                       CompileOutcome::kVersionMismatch, CompileOutcome::kMulti}) {
    CompileReply m;
    m.outcome = outcome;
    expect_round_trip(m);
  }
  for (auto command : {Command::kPing, Command::kStatus, Command::kStop, Command::kClear, Command::kZeroStats,
                       Command::kSessionStart, Command::kSessionStats, Command::kSessionEnd}) {
    expect_round_trip(CommandRequest{command, "v", {}});
    expect_round_trip(CommandRequest{command, "v", {{"stats", "log=/tmp/x.log"}}});
  }
}

TEST(Codec, RoundTripsBinaryDataWithNuls) {
  CommandReply m{"\0\0\0"s + all_bytes() + "\0"s};
  expect_round_trip(m);
  CompileRequest r;
  r.args = {"\0"s, "a\0b"s, all_bytes(), ""};
  r.env = {"X=\0\xff"s};
  expect_round_trip(r);
}

TEST(Codec, RoundTripsLargeVectorsAndStrings) {
  CompileRequest m;
  m.args.reserve(100000);
  for (int i = 0; i < 100000; ++i) m.args.push_back("-I/include/dir/" + std::to_string(i));
  m.env.assign(5000, std::string());  // many empty strings
  expect_round_trip(m);

  StoreRequest s;
  s.stdout_data.assign(8u << 20, 'x');
  s.stdout_data[12345] = '\0';
  expect_round_trip(s);
}

TEST(Codec, EncodesTheDocumentedLayout) {
  // StoreReply{true, "ab"}: header, bool u8, u32 length 2, "ab".
  const std::string frame = encode_frame(StoreReply{true, "ab"});
  const std::string expected =
      "\x31\x43\x43\x5A"  // magic "ZCC1" little-endian
      "\x01\x00"          // version 1
      "\x04\x00"          // type kStoreReply
      "\x07\x00\x00\x00"  // payload length 7
      "\x01"              // stored
      "\x02\x00\x00\x00"
      "ab"s;
  EXPECT_EQ(frame, expected);

  // Integers are little-endian fixed width; signed values are two's complement.
  StoreRequest s;
  s.miss_token = 0x0102030405060708ull;
  s.exit_code = -2;
  const std::string p = encode_frame(s).substr(kHeaderBytes);
  ASSERT_EQ(p.size(), 8u + 4 + 4 + 4 + 8 + 8 + 4);
  EXPECT_EQ(p.substr(0, 8), "\x08\x07\x06\x05\x04\x03\x02\x01"s);
  EXPECT_EQ(p.substr(8, 4), "\xfe\xff\xff\xff"s);
}

// Trailing fields keep the bytes of a message that does not use them, so old and new peers still
// understand each other's plain commands.
TEST(Codec, CommandWithoutArgumentsKeepsItsOriginalBytes) {
  const std::string p = encode_frame(CommandRequest{Command::kStop, "v1", {}}).substr(kHeaderBytes);
  EXPECT_EQ(p, "\x02\x02\x00\x00\x00v1"s);
  CommandRequest with{Command::kSessionEnd, "v1", {{"id"}}};
  const std::string q = encode_frame(with).substr(kHeaderBytes);
  EXPECT_EQ(q, "\x07\x02\x00\x00\x00v1\x01\x00\x00\x00\x02\x00\x00\x00id"s);
}

TEST(Codec, RejectsAnEmptyOrTruncatedTrailingList) {
  const std::string p = encode_frame(CommandRequest{Command::kStop, "v", {}}).substr(kHeaderBytes);
  // An empty list would be a second encoding of "no arguments": not canonical.
  auto empty = decode_payload(MessageType::kCommandRequest, p + "\0\0\0\0"s);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty trailing"), std::string::npos) << empty.error().message;
  const std::string q = encode_frame(CommandRequest{Command::kSessionEnd, "v", {{"abc"}}}).substr(kHeaderBytes);
  for (size_t n = p.size() + 1; n < q.size(); ++n) {
    EXPECT_FALSE(decode_payload(MessageType::kCommandRequest, q.substr(0, n)).ok()) << n;
  }
}

TEST(Codec, RejectsTruncatedPayloadAtEveryLength) {
  for (const Message& m : sample_messages()) {
    const std::string frame = encode_frame(m);
    const std::string_view payload = std::string_view(frame).substr(kHeaderBytes);
    for (size_t n = 0; n < payload.size(); ++n) {
      auto r = decode_payload(message_type(m), payload.substr(0, n));
      ASSERT_FALSE(r.ok()) << "type " << static_cast<int>(message_type(m)) << " length " << n;
      EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
      EXPECT_FALSE(r.error().message.empty());
    }
  }
}

TEST(Codec, RejectsTrailingBytes) {
  for (const Message& m : sample_messages()) {
    const std::string payload = encode_frame(m).substr(kHeaderBytes);
    for (const std::string& extra : {"\0"s, "x"s, "\0\0\0\0\0\0\0\0"s}) {
      auto r = decode_payload(message_type(m), payload + extra);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
      EXPECT_NE(r.error().message.find("trailing"), std::string::npos) << r.error().message;
    }
  }
}

TEST(Codec, RejectsEnumOutOfRange) {
  std::string payload = encode_frame(CompileReply{}).substr(kHeaderBytes);
  for (int bad : {5, 6, 0x80, 0xFF}) {
    payload[0] = static_cast<char>(bad);
    auto r = decode_payload(MessageType::kCompileReply, payload);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
    EXPECT_NE(r.error().message.find("enum"), std::string::npos) << r.error().message;
  }
  payload = encode_frame(CommandRequest{}).substr(kHeaderBytes);
  payload[0] = 8;  // one past Command::kSessionEnd
  EXPECT_FALSE(decode_payload(MessageType::kCommandRequest, payload).ok());
}

TEST(Codec, RejectsBoolOtherThanZeroOrOne) {
  std::string payload = encode_frame(StoreReply{}).substr(kHeaderBytes);
  payload[0] = 2;
  auto r = decode_payload(MessageType::kStoreReply, payload);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
}

TEST(Codec, RejectsLengthsLargerThanPayloadWithoutAllocating) {
  // A string claiming 4 GiB and a vector claiming 4 G elements, in a few bytes.
  auto r = decode_payload(MessageType::kErrorReply, "\xff\xff\xff\xff"s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);

  // CompileRequest: client_version "", compiler "", args count 0xFFFFFFFF.
  std::string p = "\0\0\0\0"s + "\0\0\0\0"s + "\xff\xff\xff\xff"s + "\0\0\0\0"s;
  r = decode_payload(MessageType::kCompileRequest, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("vector"), std::string::npos) << r.error().message;

  // A count that fits the bytes left only if strings were shorter than their length prefix.
  p = "\0\0\0\0"s + "\0\0\0\0"s + "\x03\0\0\0"s + std::string(11, '\0');
  EXPECT_FALSE(decode_payload(MessageType::kCompileRequest, p).ok());

  // StoreRequest whose integer vector claims more u32s than the bytes left (3 bytes for 1).
  p = encode_frame(StoreRequest{}).substr(kHeaderBytes);
  p.resize(p.size() - 4);
  p += "\x01\0\0\0"s + "abc"s;
  r = decode_payload(MessageType::kStoreRequest, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("integers"), std::string::npos) << r.error().message;
}

// A reply whose fields decode but do not describe one list of files is malformed too: zccache-fp
// indexes the vectors in step and merges the paths with sorted lists.
TEST(Codec, RejectsFingerprintReplyWhoseVectorsDisagree) {
  std::vector<std::pair<const char*, FingerprintReply>> bad;
  auto add = [&](const char* what, auto&& edit) {
    FingerprintReply m = full_fingerprint_reply();
    edit(m);
    bad.emplace_back(what, std::move(m));
  };
  add("a size missing", [](FingerprintReply& m) { m.sizes.pop_back(); });
  add("an extra mtime", [](FingerprintReply& m) { m.mtimes_ns.push_back(0); });
  add("a ctime missing", [](FingerprintReply& m) { m.ctimes_ns.pop_back(); });
  add("an inode missing", [](FingerprintReply& m) { m.inodes.pop_back(); });
  add("a known flag missing", [](FingerprintReply& m) { m.known.pop_back(); });
  add("a digest byte short", [](FingerprintReply& m) { m.digests.pop_back(); });
  add("a digest too many", [](FingerprintReply& m) { m.digests += std::string(16, 'x'); });
  add("known other than 0 or 1", [](FingerprintReply& m) { m.known[1] = 2; });
  add("paths out of order", [](FingerprintReply& m) { std::swap(m.paths[0], m.paths[1]); });
  add("a path twice", [](FingerprintReply& m) { m.paths[1] = m.paths[0]; });
  add("digests without paths", [](FingerprintReply& m) {
    m = FingerprintReply{};
    m.digests = std::string(16, '\0');
  });
  for (const auto& [what, m] : bad) {
    // Encoded by hand (encode_frame does not check): the fields are well-formed one by one.
    const std::string payload = encode_frame(m).substr(kHeaderBytes);
    auto r = decode_payload(MessageType::kFingerprintReply, payload);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, ErrorCode::kProtocol) << what;
    EXPECT_NE(r.error().message.find("FingerprintReply"), std::string::npos) << r.error().message;
  }
}

TEST(Codec, RejectsUnknownTypeInDecodePayload) {
  auto r = decode_payload(static_cast<MessageType>(0), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
  r = decode_payload(static_cast<MessageType>(99), "\0\0\0\0"s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
}

TEST(Frame, DecodesValidHeader) {
  auto h = decode_header(header_bytes(kMagic, kProtocolVersion, 5, 1234));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->type, MessageType::kCommandRequest);
  EXPECT_EQ(h->length, 1234u);

  h = decode_header(header_bytes(kMagic, kProtocolVersion, 7, kMaxPayloadBytes));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->length, kMaxPayloadBytes);
}

TEST(Frame, EncodeHeaderMatchesDecode) {
  char buf[kHeaderBytes];
  encode_header(MessageType::kStoreRequest, 42, buf);
  auto h = decode_header(std::string_view(buf, kHeaderBytes));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, MessageType::kStoreRequest);
  EXPECT_EQ(h->length, 42u);
}

void expect_header_rejected(const std::string& bytes, const char* word) {
  auto h = decode_header(bytes);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, ErrorCode::kProtocol);
  EXPECT_NE(h.error().message.find(word), std::string::npos) << h.error().message;
}

TEST(Frame, RejectsWrongMagic) {
  expect_header_rejected(header_bytes(0x5A434332, kProtocolVersion, 1, 0), "magic");
  expect_header_rejected(header_bytes(0, kProtocolVersion, 1, 0), "magic");
  // Big-endian magic is wrong too.
  expect_header_rejected(header_bytes(0x31434C5A, kProtocolVersion, 1, 0), "magic");
  expect_header_rejected("GET / HTTP/1.1"s.substr(0, kHeaderBytes), "magic");
}

TEST(Frame, RejectsWrongVersion) {
  expect_header_rejected(header_bytes(kMagic, 0, 1, 0), "version");
  expect_header_rejected(header_bytes(kMagic, kProtocolVersion + 1, 1, 0), "version");
  expect_header_rejected(header_bytes(kMagic, 0xFFFF, 1, 0), "version");
}

TEST(Frame, RejectsUnknownType) {
  expect_header_rejected(header_bytes(kMagic, kProtocolVersion, 0, 0), "type");
  // One past the last type.
  expect_header_rejected(header_bytes(kMagic, kProtocolVersion, static_cast<uint16_t>(MessageType::kFingerprintReply) + 1, 0),
                         "type");
  expect_header_rejected(header_bytes(kMagic, kProtocolVersion, 0xFFFF, 0), "type");
}

TEST(Frame, RejectsOversizeLength) {
  expect_header_rejected(header_bytes(kMagic, kProtocolVersion, 1, kMaxPayloadBytes + 1), "limit");
  expect_header_rejected(header_bytes(kMagic, kProtocolVersion, 1, 0xFFFFFFFF), "limit");
}

TEST(Frame, RejectsHeaderOfWrongSize) {
  const std::string good = header_bytes(kMagic, kProtocolVersion, 1, 0);
  for (size_t n = 0; n < kHeaderBytes; ++n) expect_header_rejected(good.substr(0, n), "header");
  expect_header_rejected(good + "x", "header");
}

}  // namespace
}  // namespace zccache::protocol
