// The front's wire code against the codec: what one writes the other must read, field for field.
#include "zccache/front/wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "zccache/protocol/codec.h"

namespace zccache::front {
namespace {

static_assert(kMagic == protocol::kMagic);
static_assert(kProtocolVersion == protocol::kProtocolVersion);
static_assert(kHeaderBytes == protocol::kHeaderBytes);
static_assert(kMaxPayloadBytes == protocol::kMaxPayloadBytes);
static_assert(kCompileRequestType == static_cast<uint16_t>(protocol::MessageType::kCompileRequest));
static_assert(kCompileReplyType == static_cast<uint16_t>(protocol::MessageType::kCompileReply));
static_assert(kOutcomeHit == static_cast<uint8_t>(protocol::CompileOutcome::kHit));
static_assert(kLastOutcome == static_cast<uint8_t>(protocol::CompileOutcome::kMulti));

Bytes bytes(const std::string& s) { return Bytes{s.data(), s.size()}; }

// A nullptr-terminated char* array over strings that outlive it.
std::vector<char*> pointers(std::vector<std::string>& strings, bool terminate) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  if (terminate) out.push_back(nullptr);
  return out;
}

protocol::CompileRequest decode_request(const std::string& frame) {
  auto header = protocol::decode_header(std::string_view(frame).substr(0, protocol::kHeaderBytes));
  EXPECT_TRUE(header.ok());
  EXPECT_EQ(header->type, protocol::MessageType::kCompileRequest);
  EXPECT_EQ(header->length, frame.size() - protocol::kHeaderBytes);
  auto message = protocol::decode_payload(header->type, std::string_view(frame).substr(protocol::kHeaderBytes));
  EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().message);
  auto* request = message.ok() ? std::get_if<protocol::CompileRequest>(&*message) : nullptr;
  EXPECT_NE(request, nullptr);
  return request ? *request : protocol::CompileRequest{};
}

TEST(FrontWire, TheCodecReadsTheRequestTheFrontWrites) {
  std::vector<std::string> args{"-std=c++17", "-O1", "", "@flags.rsp", "-c", "src/a b.cpp", "-o", "out/a.o"};
  std::vector<std::string> env{"PATH=/usr/bin:/bin", "HOME=/root", "EMPTY=", std::string(5000, 'x') + "=long"};
  auto arg_ptrs = pointers(args, false);
  auto env_ptrs = pointers(env, true);
  const std::string version = "0.3.0", compiler = "clang++", cwd = "/work/tree", session = "s-1", search = "2049:131";

  Request r;
  r.client_version = bytes(version);
  r.compiler = bytes(compiler);
  r.args = arg_ptrs.data();
  r.arg_count = arg_ptrs.size();
  r.cwd = bytes(cwd);
  r.env = env_ptrs.data();
  r.umask = 027;
  r.stderr_is_tty = true;
  r.session_id = bytes(session);
  r.path_search = bytes(search);
  std::string frame(request_frame_size(r), '\0');
  ASSERT_GT(frame.size(), kHeaderBytes);
  write_request_frame(r, frame.data());

  protocol::CompileRequest expected{version, compiler, args, cwd, env, 027, true, session, search};
  EXPECT_EQ(decode_request(frame), expected);
  // Byte for byte what the client writes for the same request.
  EXPECT_EQ(frame, protocol::encode_frame(protocol::Message(expected)));
}

TEST(FrontWire, AnEmptyRequestToo) {
  char* no_env[] = {nullptr};
  Request r;
  r.env = no_env;
  std::string frame(request_frame_size(r), '\0');
  write_request_frame(r, frame.data());
  protocol::CompileRequest expected;
  expected.umask = r.umask;
  EXPECT_EQ(decode_request(frame), expected);
}

std::string payload_of(const protocol::CompileReply& reply) {
  return protocol::encode_frame(protocol::Message(reply)).substr(protocol::kHeaderBytes);
}

protocol::CompileReply full_reply(protocol::CompileOutcome outcome) {
  protocol::CompileReply r;
  r.outcome = outcome;
  r.exit_code = -3;
  r.stdout_data = "out";
  r.stderr_data = std::string("warn\0ing", 8);
  r.miss_token = 0x1122334455667788ull;
  r.extra_args = {"-MD", "-MF", "/tmp/d"};
  r.reason = "why";
  r.unit_hit = {1, 0};
  r.unit_arg_index = {4, 7};
  r.unit_stdout = {"", "x"};
  r.unit_stderr = {"y", ""};
  r.expanded_args = {"a", "b"};
  r.extra_env = {"SUNPRO_DEPENDENCIES=x"};
  r.unit_markers = true;
  r.compiler = "/usr/bin/gcc";
  return r;
}

TEST(FrontWire, TheFrontReadsTheReplyTheDaemonWrites) {
  protocol::CompileReply hit;
  hit.outcome = protocol::CompileOutcome::kHit;
  hit.exit_code = 1;
  hit.stdout_data = "printed";
  hit.stderr_data = "a.c:1: warning: x\n";
  const std::string frame = protocol::encode_frame(protocol::Message(hit));
  Header header;
  ASSERT_TRUE(parse_header(frame.data(), &header));
  EXPECT_EQ(header.type, kCompileReplyType);
  ASSERT_EQ(header.length, frame.size() - kHeaderBytes);
  Reply reply;
  ASSERT_TRUE(parse_reply(frame.data() + kHeaderBytes, header.length, &reply));
  EXPECT_EQ(reply.outcome, kOutcomeHit);
  EXPECT_EQ(reply.exit_code, 1);
  EXPECT_EQ(std::string(reply.stdout_data.data, reply.stdout_data.size), hit.stdout_data);
  EXPECT_EQ(std::string(reply.stderr_data.data, reply.stderr_data.size), hit.stderr_data);

  // Every outcome, every field set: the walk covers the whole reply.
  for (auto outcome : {protocol::CompileOutcome::kHit, protocol::CompileOutcome::kMiss,
                       protocol::CompileOutcome::kPassthrough, protocol::CompileOutcome::kVersionMismatch,
                       protocol::CompileOutcome::kMulti}) {
    const std::string payload = payload_of(full_reply(outcome));
    Reply r;
    ASSERT_TRUE(parse_reply(payload.data(), payload.size(), &r)) << static_cast<int>(outcome);
    EXPECT_EQ(r.outcome, static_cast<uint8_t>(outcome));
    EXPECT_EQ(r.exit_code, -3);
    EXPECT_EQ(std::string(r.stderr_data.data, r.stderr_data.size), std::string("warn\0ing", 8));
  }
}

// What the codec refuses, the front refuses: it then hands the reply to the client, never serves it.
TEST(FrontWire, AMalformedReplyIsRefused) {
  const std::string good = payload_of(full_reply(protocol::CompileOutcome::kHit));
  Reply r;
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(parse_reply(good.data(), n, &r)) << "truncated to " << n;
  }
  const std::string longer = good + '\0';
  EXPECT_FALSE(parse_reply(longer.data(), longer.size(), &r));
  std::string bad_outcome = good;
  bad_outcome[0] = 5;
  EXPECT_FALSE(parse_reply(bad_outcome.data(), bad_outcome.size(), &r));
  // unit_markers is the byte before the compiler string (u32 length + 12 bytes).
  std::string bad_bool = good;
  bad_bool[bad_bool.size() - 4 - 12 - 1] = 2;
  EXPECT_FALSE(protocol::decode_payload(protocol::MessageType::kCompileReply, bad_bool).ok());
  EXPECT_FALSE(parse_reply(bad_bool.data(), bad_bool.size(), &r));
  std::string huge_count = payload_of(protocol::CompileReply{});
  huge_count[1 + 4 + 4 + 4 + 8 + 3] = '\x7f';  // extra_args' count's top byte (after outcome, exit
                                                // code, two empty strings, token)
  EXPECT_FALSE(parse_reply(huge_count.data(), huge_count.size(), &r));
}

TEST(FrontWire, AHeaderOfAnotherMagicVersionOrSizeIsRefused) {
  char header[kHeaderBytes];
  protocol::encode_header(protocol::MessageType::kCompileReply, 10, header);
  Header h;
  ASSERT_TRUE(parse_header(header, &h));
  EXPECT_EQ(h.length, 10u);
  for (size_t byte : {size_t{0}, size_t{3}, size_t{4}}) {
    char bad[kHeaderBytes];
    std::memcpy(bad, header, kHeaderBytes);
    bad[byte] ^= 0x40;
    EXPECT_FALSE(parse_header(bad, &h)) << byte;
  }
  char big[kHeaderBytes];
  std::memcpy(big, header, kHeaderBytes);
  const uint32_t too_long = kMaxPayloadBytes + 1;
  for (int i = 0; i < 4; ++i) big[8 + i] = static_cast<char>(too_long >> (8 * i));
  EXPECT_FALSE(parse_header(big, &h));
}

}  // namespace
}  // namespace zccache::front
