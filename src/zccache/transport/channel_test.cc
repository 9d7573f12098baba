#include "zccache/transport/channel.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "zccache/base/unique_fd.h"
#include "zccache/protocol/codec.h"
#include "zccache/protocol/frame.h"
#include "zccache/protocol/messages.h"
#include "zccache/transport/unix_socket.h"

namespace zccache::transport {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using protocol::Message;

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/zccache-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Clock::time_point in(std::chrono::milliseconds d) { return Clock::now() + d; }
const Clock::time_point kNoDeadline = Clock::time_point::max();

// Writes raw bytes, bypassing the codec. Returns false if the peer is gone.
bool write_raw(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool is_cloexec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

protocol::CompileRequest sample_request() {
  protocol::CompileRequest m;
  m.client_version = "0.1.0";
  m.compiler = "/usr/bin/g++";
  m.args = {"-c", "x.cc", "-o", "x.o"};
  m.cwd = "/src";
  m.env = {"PATH=/usr/bin", "A=\0b"s};
  m.stderr_is_tty = true;
  m.session_id = "s1";
  return m;
}

enum class Kind { kSocketPair, kListeningSocket };

// Runs every channel test over both a socketpair() and a real listening socket in a temp dir.
class ChannelTest : public testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kSocketPair) {
      int fds[2];
      ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
      client_.reset(fds[0]);
      server_.reset(fds[1]);
      return;
    }
    const std::string path = dir_.path() + "/daemon.sock";
    auto listener = listen_unix(path);
    ASSERT_TRUE(listener.ok()) << listener.error().message;
    auto client = connect_unix(path);  // completes against the backlog before accept()
    ASSERT_TRUE(client.ok()) << client.error().message;
    auto server = accept_unix(listener->get());
    ASSERT_TRUE(server.ok()) << server.error().message;
    client_ = std::move(client).value();
    server_ = std::move(server).value();
  }

  TempDir dir_;
  UniqueFd client_;
  UniqueFd server_;
};

INSTANTIATE_TEST_SUITE_P(Transports, ChannelTest,
                         testing::Values(Kind::kSocketPair, Kind::kListeningSocket),
                         [](const testing::TestParamInfo<Kind>& info) {
                           return info.param == Kind::kSocketPair ? "SocketPair"
                                                                  : "ListeningSocket";
                         });

TEST_P(ChannelTest, RoundTripsRequestAndReply) {
  const Message request = sample_request();
  ASSERT_TRUE(send_message(client_.get(), request, in(5s)).ok());
  auto received = receive_message(server_.get(), in(5s));
  ASSERT_TRUE(received.ok()) << received.error().message;
  EXPECT_TRUE(*received == request);

  protocol::CompileReply reply;
  reply.outcome = protocol::CompileOutcome::kHit;
  reply.stdout_data = "\0binary\0"s;
  ASSERT_TRUE(send_message(server_.get(), reply, kNoDeadline).ok());
  auto got = receive_message(client_.get(), kNoDeadline);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == Message(reply));
}

TEST_P(ChannelTest, ReadsBackToBackFramesOneAtATime) {
  const std::vector<Message> messages = {protocol::CommandRequest{protocol::Command::kStatus, "v", {}},
                                         protocol::ErrorReply{},
                                         protocol::StoreReply{true, "ok"}};
  for (const Message& m : messages) ASSERT_TRUE(send_message(client_.get(), m, in(5s)).ok());
  for (const Message& m : messages) {
    auto got = receive_message(server_.get(), in(5s));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(*got == m);
  }
}

// The payload buffer is kept per thread between frames: nothing of a longer frame may show in a
// shorter one after it, and one above the kept size is let go and grown again.
TEST_P(ChannelTest, FramesOfEverySizeInTurnDecodeAsSentOnOneThread) {
  std::vector<Message> messages;
  for (size_t bytes : {100u << 10, 10u, 600u << 10, 3000u, 0u, 70u << 10}) {
    protocol::StoreRequest store;
    store.stdout_data.assign(bytes, static_cast<char>('a' + bytes % 26));
    store.miss_token = bytes;
    messages.push_back(store);
  }
  Status sent;
  std::thread sender([&] {
    for (const Message& m : messages) {
      sent = send_message(client_.get(), m, in(30s));
      if (!sent.ok()) return;
    }
  });
  for (const Message& m : messages) {
    auto got = receive_message(server_.get(), in(30s));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(*got == m) << std::get<protocol::StoreRequest>(m).miss_token;
  }
  sender.join();
  ASSERT_TRUE(sent.ok()) << sent.error().message;
}

TEST_P(ChannelTest, LargeMessageSurvivesPartialReadsAndWrites) {
  // Far larger than the socket buffer: the sender sees EAGAIN and short writes, the receiver
  // short reads and buffer growth.
  protocol::StoreRequest big;
  big.stdout_data.resize(16u << 20);
  for (size_t i = 0; i < big.stdout_data.size(); ++i) {
    big.stdout_data[i] = static_cast<char>(i * 7 + (i >> 13));
  }
  Status sent;
  std::thread sender([&] { sent = send_message(client_.get(), big, in(30s)); });
  auto got = receive_message(server_.get(), in(30s));
  sender.join();
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == Message(big));
}

TEST_P(ChannelTest, FrameArrivingInPiecesIsReassembled) {
  const std::string frame = protocol::encode_frame(sample_request());
  std::thread writer([&] {
    for (size_t i = 0; i < frame.size(); ++i) {
      write_raw(client_.get(), frame.substr(i, 1));
      if (i < 20) std::this_thread::sleep_for(1ms);
    }
  });
  auto got = receive_message(server_.get(), in(10s));
  writer.join();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == Message(sample_request()));
}

TEST_P(ChannelTest, PeerClosedBeforeFrameIsTransportError) {
  client_.reset();
  auto got = receive_message(server_.get(), in(5s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTransport);
}

TEST_P(ChannelTest, PeerClosedMidHeaderIsTransportError) {
  const std::string frame = protocol::encode_frame(sample_request());
  ASSERT_TRUE(write_raw(client_.get(), frame.substr(0, 5)));
  client_.reset();
  auto got = receive_message(server_.get(), in(5s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTransport);
  EXPECT_NE(got.error().message.find("mid-frame"), std::string::npos) << got.error().message;
}

TEST_P(ChannelTest, PeerClosedMidPayloadIsTransportError) {
  const std::string frame = protocol::encode_frame(sample_request());
  ASSERT_TRUE(write_raw(client_.get(), frame.substr(0, frame.size() - 3)));
  client_.reset();
  auto got = receive_message(server_.get(), in(5s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTransport);
  EXPECT_NE(got.error().message.find("mid-frame"), std::string::npos) << got.error().message;
}

TEST_P(ChannelTest, ReceiveTimesOutWhenNothingArrives) {
  const auto deadline = in(50ms);
  auto got = receive_message(server_.get(), deadline);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
  EXPECT_GE(Clock::now(), deadline);
}

TEST_P(ChannelTest, ReceiveTimesOutOnAStalledPartialFrame) {
  const std::string frame = protocol::encode_frame(sample_request());
  ASSERT_TRUE(write_raw(client_.get(), frame.substr(0, frame.size() / 2)));
  auto got = receive_message(server_.get(), in(50ms));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
}

TEST_P(ChannelTest, DeadlineInThePastStillReadsWhatIsAlreadyThere) {
  ASSERT_TRUE(send_message(client_.get(), protocol::ErrorReply{"x"}, in(5s)).ok());
  auto got = receive_message(server_.get(), Clock::now() - 1s);
  ASSERT_TRUE(got.ok()) << got.error().message;
  auto nothing = receive_message(server_.get(), Clock::now() - 1s);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code, ErrorCode::kTimeout);
}

TEST_P(ChannelTest, SendTimesOutWhenPeerDoesNotRead) {
  protocol::StoreRequest big;
  big.stderr_data.assign(32u << 20, 'e');
  Status sent = send_message(client_.get(), big, in(100ms));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kTimeout);
}

TEST_P(ChannelTest, SendToClosedPeerIsTransportErrorWithoutSigpipe) {
  // SIGPIPE's default action would kill this test binary; MSG_NOSIGNAL must prevent it.
  server_.reset();
  Status sent = send_message(client_.get(), sample_request(), in(5s));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kTransport);
}

TEST_P(ChannelTest, GarbageBytesAreProtocolError) {
  ASSERT_TRUE(write_raw(client_.get(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto got = receive_message(server_.get(), in(5s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kProtocol);
}

TEST_P(ChannelTest, MalformedPayloadIsProtocolError) {
  char header[protocol::kHeaderBytes];
  protocol::encode_header(protocol::MessageType::kErrorReply, 4, header);
  ASSERT_TRUE(write_raw(client_.get(), std::string(header, sizeof header) + "\xff\xff\xff\xff"s));
  auto got = receive_message(server_.get(), in(5s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kProtocol);
}

TEST_P(ChannelTest, OversizeFrameIsRejectedBeforeItsPayloadArrives) {
  std::string header(protocol::kHeaderBytes, '\0');
  protocol::encode_header(protocol::MessageType::kCompileRequest, 0, header.data());
  for (int i = 8; i < 12; ++i) header[i] = '\xff';  // length 0xFFFFFFFF
  ASSERT_TRUE(write_raw(client_.get(), header));
  auto got = receive_message(server_.get(), in(5s));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kProtocol);
}

TEST_P(ChannelTest, WorksOnNonBlockingDescriptors) {
  for (int fd : {client_.get(), server_.get()}) {
    ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  }
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    (void)send_message(client_.get(), sample_request(), in(5s));
  });
  auto got = receive_message(server_.get(), in(5s));
  sender.join();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == Message(sample_request()));
}

void ignore_signal(int) {}

TEST_P(ChannelTest, SignalsDuringTheWaitAreRetried) {
  // A handler without SA_RESTART makes poll() fail with EINTR.
  struct sigaction action{};
  action.sa_handler = ignore_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction old{};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &old), 0);

  const pthread_t receiver = ::pthread_self();
  std::thread interrupter([&] {
    for (int i = 0; i < 10; ++i) {
      std::this_thread::sleep_for(5ms);
      ::pthread_kill(receiver, SIGUSR1);
    }
    (void)send_message(client_.get(), sample_request(), in(5s));
  });
  auto got = receive_message(server_.get(), in(10s));
  interrupter.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(*got == Message(sample_request()));
}

TEST_P(ChannelTest, PeerUidIsOurOwn) {
  auto a = peer_uid(client_.get());
  auto b = peer_uid(server_.get());
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*a, ::getuid());
  EXPECT_EQ(*b, ::getuid());
}

// ---- unix_socket ---------------------------------------------------------------------------

TEST(UnixSocket, ListenConnectAcceptAreCloexec) {
  TempDir dir;
  const std::string path = dir.path() + "/s";
  auto listener = listen_unix(path);
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  auto client = connect_unix(path);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto server = accept_unix(listener->get());
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_TRUE(is_cloexec(listener->get()));
  EXPECT_TRUE(is_cloexec(client->get()));
  EXPECT_TRUE(is_cloexec(server->get()));
}

TEST(UnixSocket, ConnectToMissingPathIsNotFound) {
  TempDir dir;
  auto fd = connect_unix(dir.path() + "/nobody-here.sock");
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code, ErrorCode::kNotFound);
}

TEST(UnixSocket, ConnectToStaleSocketIsNotFound) {
  TempDir dir;
  const std::string path = dir.path() + "/stale.sock";
  {
    auto listener = listen_unix(path);
    ASSERT_TRUE(listener.ok()) << listener.error().message;
  }  // closed: the socket file stays, nobody listens (ECONNREFUSED)
  ASSERT_TRUE(std::filesystem::exists(path));
  auto fd = connect_unix(path);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code, ErrorCode::kNotFound);
}

TEST(UnixSocket, ListenOnExistingPathFails) {
  TempDir dir;
  const std::string path = dir.path() + "/taken.sock";
  auto first = listen_unix(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = listen_unix(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kTransport);
  EXPECT_NE(second.error().message.find(path), std::string::npos) << second.error().message;
}

TEST(UnixSocket, ListenInMissingDirectoryIsNotFound) {
  TempDir dir;
  auto fd = listen_unix(dir.path() + "/no/such/dir/s");
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().code, ErrorCode::kNotFound);
}

TEST(UnixSocket, PathLongerThanSunPathIsInvalid) {
  TempDir dir;
  const std::string prefix = dir.path() + "/";
  constexpr size_t kSunPathBytes = 108;  // Linux sockaddr_un::sun_path, NUL included
  ASSERT_LT(prefix.size(), kSunPathBytes - 1);
  const std::string longest = prefix + std::string(kSunPathBytes - 1 - prefix.size(), 'a');
  const std::string too_long = longest + "a";

  for (const std::string& path : {too_long, prefix + std::string(300, 'b')}) {
    auto l = listen_unix(path);
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error().code, ErrorCode::kInvalid);
    auto c = connect_unix(path);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, ErrorCode::kInvalid);
  }

  // The longest path that fits works end to end.
  auto listener = listen_unix(longest);
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  auto client = connect_unix(longest);
  ASSERT_TRUE(client.ok()) << client.error().message;
}

TEST(UnixSocket, EmptyPathIsInvalid) {
  auto l = listen_unix("");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, ErrorCode::kInvalid);
  auto c = connect_unix("");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalid);
}

TEST(UnixSocket, AcceptOnNonBlockingListenerWithNoClientIsTimeout) {
  TempDir dir;
  auto listener = listen_unix(dir.path() + "/s");
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  const int fd = listener->get();
  ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  auto conn = accept_unix(fd);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::kTimeout);
}

TEST(UnixSocket, PeerUidOfNonSocketFails) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  auto uid = peer_uid(r.get());
  ASSERT_FALSE(uid.ok());
  EXPECT_EQ(uid.error().code, ErrorCode::kTransport);
}

}  // namespace
}  // namespace zccache::transport
