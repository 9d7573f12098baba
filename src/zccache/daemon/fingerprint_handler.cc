#include "zccache/daemon/fingerprint_handler.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>

#include "zccache/base/parallel.h"
#include "zccache/base/version.h"
#include "zccache/fp/fingerprint.h"
#include "zccache/os/file_info.h"
#include "zccache/os/path.h"
#include "zccache/protocol/codec.h"
#include "zccache/protocol/frame.h"

namespace zccache::daemon {
namespace {

// fp::scan_files() on the daemon's cached listings: the same FileSelection, so both modes take the
// same files. Entries whose type the listing does not tell (symlinks, and everything on a file
// system without d_type) are stat()ed, as the local walk does for every entry.
class TreeWalk {
 public:
  TreeWalk(const fp::FileSetSpec& spec, fscache::DirectoryCache& listings, watcher::Watcher* watcher)
      : spec_(spec), select_(spec), lookup_(listings), watcher_(watcher), memoable_(watcher != nullptr) {}

  // Appends to files() the relative paths taken below `rel` ("" for the root), unsorted.
  // Errors: the root, or a directory that still exists, cannot be listed.
  Status walk(const std::string& rel, bool included) {
    std::string dir = absolute(rel);
    // The generation from before the listing: an event after this point renews it (Memo).
    if (watcher_) {
      std::optional<uint64_t> generation = watcher_->watch(dir);
      if (generation) {
        dirs_.emplace_back(dir, *generation);
      } else {
        memoable_ = false;
      }
    }
    const fscache::DirectoryCache::Listing* list = lookup_.listing_of(dir);
    if (!list) {
      auto gone = os::lstat_path(dir);
      if (!rel.empty() && !gone.ok() && gone.error().code == ErrorCode::kNotFound) return {};  // removed meanwhile
      return make_error(ErrorCode::kIo, "cannot list directory " + dir);
    }
    for (const std::string& name : list->names) {
      std::string path = child(rel, name);
      if (list->dirs.count(name)) {
        ZCCACHE_TRY(enter(path, included));
      } else if (select_.takes_file(path, included)) {
        files_.push_back(std::move(path));  // a fifo or socket is dropped by the look-up
      }
    }
    for (const std::string& name : list->symlinks) {
      std::string path = child(rel, name);
      auto link = os::lstat_path(absolute(path));
      if (!link.ok()) continue;  // gone
      bool symlink = (link->mode & S_IFMT) == S_IFLNK;
      auto target = symlink ? os::stat_path(absolute(path)) : link;
      if (!target.ok()) continue;  // dangling
      if (target->is_dir()) {
        if (!symlink) ZCCACHE_TRY(enter(path, included));  // symlinked directories are not followed
      } else if (target->is_regular() && select_.takes_file(path, included)) {
        files_.push_back(std::move(path));
      }
      // A dangling link may start to resolve, a link's target may change elsewhere: no event here.
      memoable_ = false;
    }
    return {};
  }

  std::string absolute(const std::string& rel) const { return rel.empty() ? spec_.root : os::join_path(spec_.root, rel); }
  std::vector<std::string>& files() { return files_; }
  // Every directory listed was watched, and no entry needed a stat to know its type.
  bool memoable() const { return memoable_; }
  std::vector<std::pair<std::string, uint64_t>>& dirs() { return dirs_; }

 private:
  static std::string child(const std::string& rel, const std::string& name) {
    return rel.empty() ? name : rel + "/" + name;
  }
  Status enter(const std::string& path, bool included) {
    std::optional<bool> all = select_.enter_dir(path, included);
    return all ? walk(path, *all) : Status{};
  }

  const fp::FileSetSpec& spec_;
  fp::FileSelection select_;
  fscache::DirectoryLookup lookup_;
  watcher::Watcher* watcher_;
  bool memoable_;
  std::vector<std::string> files_;
  std::vector<std::pair<std::string, uint64_t>> dirs_;
};

struct FoundFile {
  enum class State { kGone, kKnown, kUnknown } state = State::kGone;
  os::FileInfo info;
  hash::Digest digest;
  bool watched = false;
};

// Everything of a request that decides its answer.
std::string memo_key(const protocol::FingerprintRequest& r) {
  std::string key = fp::spec_string(r.root, r.includes, r.excludes);
  key.push_back('\0');
  key += r.skip_file;
  key.push_back('\0');
  key += r.skip_temp_prefix;
  return key;
}

protocol::ErrorReply error_reply(std::string message) { return protocol::ErrorReply{std::move(message)}; }

}  // namespace

fp::FileSetSpec file_set_spec(const protocol::FingerprintRequest& request) {
  fp::FileSetSpec spec;
  spec.root = request.root;
  for (const auto& g : request.includes) spec.includes.emplace_back(g);
  for (const auto& g : request.excludes) spec.excludes.emplace_back(g);
  spec.skip_file = request.skip_file;
  spec.skip_temp_prefix = request.skip_temp_prefix;
  return spec;
}

FingerprintAnswer FingerprintHandler::answer(const protocol::FingerprintRequest& request) {
  FingerprintAnswer out;
  if (request.client_version != kVersion) {
    out.reply = error_reply(std::string("zccache-daemon ") + kVersion + " does not serve zccache-fp " +
                            request.client_version);
    return out;
  }
  if (!os::is_absolute(request.root)) {
    out.reply = error_reply("root is not absolute: " + request.root);
    return out;
  }
  // Every change made before the request was sent is in the queue now (watcher.h).
  if (watcher_) watcher_->drain();

  const std::string key = memo_key(request);
  if (!request.known_records.empty() && unchanged_since_memo(key, request.known_records)) {
    protocol::FingerprintReply reply;
    reply.unchanged = true;
    out.reply = std::move(reply);
    return out;
  }

  const fp::FileSetSpec spec = file_set_spec(request);
  TreeWalk walk(spec, listings_, watcher_);
  if (Status s = walk.walk("", fp::FileSelection(spec).root_included()); !s.ok()) {
    out.reply = error_reply(s.error().message);
    return out;
  }
  std::vector<std::string>& paths = walk.files();
  std::sort(paths.begin(), paths.end());

  std::vector<FoundFile> found(paths.size());
  auto look = [&](size_t i) {
    std::string abs = walk.absolute(paths[i]);
    auto r = files_.lookup(abs, request.hash_unknown ? std::optional<uint64_t>(kMaxHashBytes) : std::nullopt);
    if (r.ok()) {
      found[i] = r->facts ? FoundFile{FoundFile::State::kKnown, r->info, r->facts->digest, r->watched}
                          : FoundFile{FoundFile::State::kUnknown, r->info, {}, false};
      return;
    }
    // Vanished, not a regular file (a fifo), unreadable, or changed while being read: the client
    // reads a regular file itself (and reports the error if it cannot).
    auto st = os::stat_path(abs);
    if (st.ok() && st->is_regular()) found[i] = FoundFile{FoundFile::State::kUnknown, *st, {}, false};
  };
  // Reading is worth the threads; answering from the cache is not (two threads would only contend
  // for the cache's lock).
  if (request.hash_unknown) {
    for_each_parallel(paths.size(), look);
  } else {
    for (size_t i = 0; i < paths.size(); ++i) look(i);
  }

  // The list's digest, when every digest is known: the memo, and the short answer.
  bool all_known = true;
  bool memoable = walk.memoable();
  fp::RecordsDigest records(paths.size());
  for (size_t i = 0; i < paths.size() && all_known; ++i) {
    const FoundFile& f = found[i];
    if (f.state == FoundFile::State::kGone) continue;
    all_known = f.state == FoundFile::State::kKnown;
    memoable = memoable && f.watched;
    records.add(paths[i], f.info.size, f.info.mtime_ns, f.info.ctime_ns, f.info.ino, f.digest);
  }
  if (all_known) {
    hash::Digest digest = records.finish();
    if (memoable) remember(key, Memo{std::move(walk.dirs()), digest});
    if (request.known_records == digest.raw()) {
      protocol::FingerprintReply reply;
      reply.unchanged = true;
      out.reply = std::move(reply);
      return out;
    }
  }

  protocol::FingerprintReply reply;
  const size_t n = paths.size();
  reply.paths.reserve(n);
  reply.sizes.reserve(n);
  reply.mtimes_ns.reserve(n);
  reply.ctimes_ns.reserve(n);
  reply.inodes.reserve(n);
  reply.known.reserve(n);
  reply.digests.reserve(16 * n);
  for (size_t i = 0; i < n; ++i) {
    const FoundFile& f = found[i];
    if (f.state == FoundFile::State::kGone) continue;
    bool known = f.state == FoundFile::State::kKnown;
    if (!known && !request.hash_unknown && f.info.size <= kMaxHashBytes) out.to_hash.push_back(walk.absolute(paths[i]));
    reply.paths.push_back(std::move(paths[i]));
    reply.sizes.push_back(f.info.size);
    reply.mtimes_ns.push_back(f.info.mtime_ns);
    reply.ctimes_ns.push_back(f.info.ctime_ns);
    reply.inodes.push_back(f.info.ino);
    reply.known.push_back(known ? 1 : 0);
    reply.digests.append(f.digest.raw());
  }
  if (protocol::encoded_payload_size(reply) > protocol::kMaxPayloadBytes) {
    out.reply = error_reply(std::to_string(n) + " files are too many for one reply");
    out.to_hash.clear();
    return out;
  }
  out.reply = std::move(reply);
  return out;
}

void FingerprintHandler::warm(const std::vector<std::string>& paths, const std::atomic<bool>& stop) {
  for_each_parallel(paths.size(), [&](size_t i) {
    if (!stop) (void)files_.facts(paths[i]);
  });
}

bool FingerprintHandler::unchanged_since_memo(const std::string& key, const std::string& known_records) {
  if (!watcher_) return false;
  std::lock_guard lock(memo_mutex_);
  auto it = memos_.find(key);
  if (it == memos_.end() || it->second.records.raw() != known_records) return false;
  for (const auto& [dir, generation] : it->second.dirs) {
    if (watcher_->generation(dir) != generation) return false;
  }
  return true;
}

void FingerprintHandler::remember(const std::string& key, Memo memo) {
  std::lock_guard lock(memo_mutex_);
  if (memos_.size() >= kMaxMemos && !memos_.count(key)) memos_.erase(memos_.begin());  // any: rare, and only costs a walk
  memos_[key] = std::move(memo);
}

}  // namespace zccache::daemon
