#include "zccache/transport/channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <string_view>

#include "zccache/protocol/codec.h"
#include "zccache/protocol/frame.h"

namespace zccache::transport {
namespace {

// The payload buffer starts at this size and doubles as bytes arrive, so a peer that announces a
// large frame and then stalls or dies costs at most twice what it really sent. Most frames (a
// compile request, a reply with a few KiB of diagnostics) fit in the first step.
constexpr size_t kFirstPayloadChunkBytes = 64 << 10;
// What a thread's payload buffer may keep between frames (one large StoreRequest is not kept).
constexpr size_t kKeptPayloadBytes = 256 << 10;

// The payload buffer, kept per thread between frames: a fresh one of more than 1 KiB (a compile
// request with the caller's environment is 1.7 KiB) is a "large" malloc, for which glibc first
// consolidates every fast bin the last request's small strings went to. Profiled in the daemon,
// that was 4% of its time per warm hit, on the hit's path.
std::string& payload_buffer() {
  thread_local std::string buffer;
  return buffer;
}

Error transport_error(std::string_view operation, int err) {
  std::string msg(operation);
  msg += ": ";
  msg += std::strerror(err);
  return make_error(ErrorCode::kTransport, std::move(msg));
}

// Milliseconds until deadline for poll(), rounded up so poll() never returns just short of the
// deadline and makes us spin. REQUIRES: now < deadline.
int poll_timeout_ms(Clock::time_point deadline, Clock::time_point now) {
  if (deadline == Clock::time_point::max()) return -1;
  const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::min<decltype(remaining)>(remaining, INT_MAX));
}

// Waits until fd has `events` (or an error/hang-up, which the next recv/send reports) or the
// deadline passes.
Status wait_ready(int fd, short events, Clock::time_point deadline, const char* doing) {
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) {
      return make_error(ErrorCode::kTimeout, std::string("deadline passed while ") + doing);
    }
    pollfd pfd{fd, events, 0};
    const int n = ::poll(&pfd, 1, poll_timeout_ms(deadline, now));
    if (n < 0) {
      if (errno == EINTR) continue;
      return transport_error("poll", errno);
    }
    if (n == 0) continue;  // the loop re-checks the deadline
    if (pfd.revents & POLLNVAL) return make_error(ErrorCode::kTransport, "poll: fd is not open");
    return {};
  }
}

Status send_all(int fd, std::string_view data, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    // MSG_NOSIGNAL: a dead peer is EPIPE, not a SIGPIPE that kills the client. MSG_DONTWAIT: the
    // deadline is enforced by poll() even when the caller's fd is blocking.
    const ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ZCCACHE_TRY(wait_ready(fd, POLLOUT, deadline, "sending a frame"));
      continue;
    }
    return transport_error("send", errno);
  }
  return {};
}

// Reads between 1 and size bytes into buf; 0 means the peer closed the connection.
Result<size_t> recv_some(int fd, char* buf, size_t size, Clock::time_point deadline) {
  for (;;) {
    const ssize_t n = ::recv(fd, buf, size, MSG_DONTWAIT);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ZCCACHE_TRY(wait_ready(fd, POLLIN, deadline, "receiving a frame"));
      continue;
    }
    return transport_error("recv", errno);
  }
}

Error closed_mid_frame(size_t got, size_t expected, const char* part) {
  return make_error(ErrorCode::kTransport, "peer closed the connection mid-frame (" +
                                               std::to_string(got) + " of " +
                                               std::to_string(expected) + " " + part + " bytes)");
}

}  // namespace

Result<std::string> encode_message(const protocol::Message& message) {
  const size_t payload_bytes = protocol::encoded_payload_size(message);
  if (payload_bytes > protocol::kMaxPayloadBytes) {
    return make_error(ErrorCode::kProtocol,
                      "message payload of " + std::to_string(payload_bytes) +
                          " bytes exceeds the frame limit of " +
                          std::to_string(protocol::kMaxPayloadBytes));
  }
  return protocol::encode_frame(message);
}

Status send_frame(int fd, std::string_view frame, Clock::time_point deadline) { return send_all(fd, frame, deadline); }

Status send_message(int fd, const protocol::Message& message, Clock::time_point deadline) {
  auto frame = encode_message(message);
  if (!frame.ok()) return frame.error();
  return send_frame(fd, *frame, deadline);
}

Result<protocol::Message> receive_message(int fd, Clock::time_point deadline) {
  // Exactly one frame is read, never more: the fd has no buffer of ours, so bytes of a following
  // frame must stay in the socket.
  char header[protocol::kHeaderBytes];
  size_t got = 0;
  while (got < sizeof header) {
    auto n = recv_some(fd, header + got, sizeof header - got, deadline);
    if (!n.ok()) return n.error();
    if (*n == 0) {
      if (got == 0) return make_error(ErrorCode::kTransport, "peer closed the connection");
      return closed_mid_frame(got, sizeof header, "header");
    }
    got += *n;
  }
  auto parsed = protocol::decode_header(std::string_view(header, sizeof header));
  if (!parsed.ok()) return parsed.error();
  const size_t length = parsed->length;

  std::string& payload = payload_buffer();
  payload.clear();
  size_t have = 0;
  auto received = [&]() -> Status {
    while (have < length) {
      if (have == payload.size()) {
        payload.resize(std::min(length, std::max(kFirstPayloadChunkBytes, 2 * have)));
      }
      auto n = recv_some(fd, payload.data() + have, payload.size() - have, deadline);
      if (!n.ok()) return n.error();
      if (*n == 0) return closed_mid_frame(have, length, "payload");
      have += *n;
    }
    return {};
  }();
  auto message = received.ok() ? protocol::decode_payload(parsed->type, std::string_view(payload.data(), have))
                               : Result<protocol::Message>(received.error());
  if (payload.capacity() > kKeptPayloadBytes) std::string().swap(payload);
  return message;
}

}  // namespace zccache::transport
