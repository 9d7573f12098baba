// Framed message send/receive over a connected stream socket, with a deadline. Errors are typed:
// kTimeout when the deadline passes, kTransport when the peer closes or the socket fails,
// kProtocol when a frame is malformed (the caller then closes the connection).
//
// Stateless: the fd carries no buffer of ours, so receive_message() reads exactly one frame and
// leaves any following bytes in the socket. Works on blocking and non-blocking fds alike (every
// send/recv uses MSG_DONTWAIT and waits in poll()); EINTR is retried. Sending never raises
// SIGPIPE (MSG_NOSIGNAL): a dead peer is kTransport. Thread-safety: one sender and one receiver
// per fd at a time. After any error the stream position is unknown: close the connection.
// Clock::time_point::max() means no deadline.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "zccache/base/result.h"
#include "zccache/protocol/messages.h"

namespace zccache::transport {

using Clock = std::chrono::steady_clock;

// kProtocol, before anything is sent, when the payload would exceed protocol::kMaxPayloadBytes.
Status send_message(int fd, const protocol::Message& message, Clock::time_point deadline);
// send_message() in two steps: the frame (kProtocol past the limit), then sending it. The client
// encodes its request before it connects: the daemon thread that connect() wakes then finds the
// request waiting, instead of sleeping again until the client has encoded and sent it.
Result<std::string> encode_message(const protocol::Message& message);
Status send_frame(int fd, std::string_view frame, Clock::time_point deadline);
// Reads a whole frame. The payload buffer grows in step with the bytes actually received, so a
// header that announces a large payload and then stalls costs little memory.
Result<protocol::Message> receive_message(int fd, Clock::time_point deadline);

}  // namespace zccache::transport
