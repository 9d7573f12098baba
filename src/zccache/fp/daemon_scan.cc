#include "zccache/fp/daemon_scan.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "zccache/base/version.h"
#include "zccache/client/daemon_link.h"
#include "zccache/fp/fingerprint.h"
#include "zccache/protocol/messages.h"
#include "zccache/transport/channel.h"
#include "zccache/transport/endpoint.h"

namespace zccache::fp {

Result<DaemonScan> scan_with_daemon(const FileSetSpec& spec, const std::vector<FileRecord>& previous) {
  protocol::FingerprintRequest req;
  req.client_version = kVersion;
  // Lets the end-to-end tests play a zccache-fp of another version against a real daemon.
  if (const char* v = std::getenv("ZCCACHE_CLIENT_VERSION_FOR_TESTING")) req.client_version = v;
  req.root = spec.root;
  for (const Glob& g : spec.includes) req.includes.push_back(g.pattern());
  for (const Glob& g : spec.excludes) req.excludes.push_back(g.pattern());
  req.skip_file = spec.skip_file;
  req.skip_temp_prefix = spec.skip_temp_prefix;
  req.hash_unknown = previous.empty();
  if (!previous.empty()) req.known_records = std::string(records_digest(previous).raw());

  auto conn = client::connect_existing(transport::endpoint_for(transport::default_cache_dir()));
  if (!conn.ok()) return conn.error();
  const auto deadline = transport::Clock::now() + client::reply_timeout();
  ZCCACHE_TRY(transport::send_message(conn->get(), req, deadline));
  auto msg = transport::receive_message(conn->get(), deadline);
  if (!msg.ok()) return msg.error();
  if (auto* err = std::get_if<protocol::ErrorReply>(&*msg)) return make_error(ErrorCode::kProtocol, err->message);
  auto* reply = std::get_if<protocol::FingerprintReply>(&*msg);
  if (!reply) return make_error(ErrorCode::kProtocol, "unexpected reply from daemon");

  DaemonScan scan;
  scan.unchanged = reply->unchanged;
  // The decoder has checked the vectors' lengths and the order of the paths (codec.cc).
  scan.files.resize(reply->paths.size());
  for (size_t i = 0; i < scan.files.size(); ++i) {
    ScannedFile& f = scan.files[i];
    f.path = std::move(reply->paths[i]);
    f.info.size = reply->sizes[i];
    f.info.mtime_ns = reply->mtimes_ns[i];
    f.info.ctime_ns = reply->ctimes_ns[i];
    f.info.ino = reply->inodes[i];
    if (reply->known[i]) f.digest = hash::Digest::from_raw(std::string_view(reply->digests).substr(16 * i, 16));
  }
  return scan;
}

}  // namespace zccache::fp
