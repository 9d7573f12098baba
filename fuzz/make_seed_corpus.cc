// Writes the seed inputs of fuzz/corpus/protocol_decode/: one encoded frame per message type and
// a few edge cases. Seeds are whole frames, so they serve both paths of protocol_decode_fuzzer.
// Usage: zccache_make_seed_corpus DIR
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "zccache/protocol/codec.h"
#include "zccache/protocol/messages.h"

namespace {

using namespace zccache::protocol;

std::vector<std::pair<std::string, Message>> seeds() {
  CompileRequest request;
  request.client_version = "0.1.0";
  request.compiler = "/usr/bin/clang++";
  request.args = {"-c", "a.cpp", "-o", "a.o", "-MD", "-MF", "a.d"};
  request.cwd = "/home/user/project";
  request.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
  request.stderr_is_tty = true;
  request.session_id = "s-1";

  CompileReply hit;
  hit.outcome = CompileOutcome::kHit;
  hit.stderr_data = std::string("a.cpp:1:1: warning: x\n\0", 23);

  CompileReply miss;
  miss.outcome = CompileOutcome::kMiss;
  miss.exit_code = 1;
  miss.miss_token = 0xFEDCBA9876543210ull;
  miss.extra_args = {"-MD", "-MF", "/tmp/zccache.d"};

  StoreRequest store;
  store.miss_token = 42;
  store.stdout_data = "out";
  store.start_time_ns = 1700000000000000000;
  store.duration_ns = 123456789;

  FingerprintRequest fingerprint;
  fingerprint.client_version = "0.2.0";
  fingerprint.root = "/home/user/project/proto";
  fingerprint.includes = {"**/*.proto"};
  fingerprint.excludes = {"build/**"};
  fingerprint.skip_file = ".fp/state";
  fingerprint.skip_temp_prefix = ".fp/.state.tmp.";

  FingerprintReply files;
  files.paths = {"a.proto", "sub/b.proto"};
  files.sizes = {12, 4096};
  files.mtimes_ns = {1700000000000000000, 1700000000123456789};
  files.ctimes_ns = {1700000000000000001, 1700000000123456790};
  files.inodes = {42, 43};
  files.known = {1, 0};
  files.digests = std::string(16, '\x5a') + std::string(16, '\0');

  return {
      {"compile_request", request},
      {"compile_request_empty", CompileRequest{}},
      {"compile_reply_hit", hit},
      {"compile_reply_miss", miss},
      {"store_request", store},
      {"store_reply", StoreReply{false, "too large"}},
      {"command_request", CommandRequest{Command::kStatus, "0.1.0", {}}},
      {"command_request_session", CommandRequest{Command::kSessionStart, "0.1.0", {{"stats", "log=/tmp/s.log"}}}},
      {"command_reply", CommandReply{R"({"hits":3,"misses":1})"}},
      {"error_reply", ErrorReply{"unsupported protocol version"}},
      {"fingerprint_request", fingerprint},
      {"fingerprint_reply", files},
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  for (const auto& [name, message] : seeds()) {
    const std::string frame = encode_frame(message);
    std::ofstream out(std::string(argv[1]) + "/" + name, std::ios::binary);
    out.write(frame.data(), static_cast<std::streamsize>(frame.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", name.c_str());
      return 1;
    }
  }
  return 0;
}
