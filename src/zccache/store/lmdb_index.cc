// LmdbIndex: the Index over one LMDB environment. Layout: <dir>/data.mdb and <dir>/lock.mdb, the
// named databases "manifests", "results", "meta", "usage" and "outputs" (Table order), whose
// values are the caller's bytes followed by an 8-byte checksum (index.h), and "format" (key
// "index": kIndexFormat in decimal, no checksum). The map is reserved up front (sparse file) and
// never grows; a full map is reported as kStore so the caller can evict or clear.
#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "zccache/base/posix_error.h"
#include "zccache/base/unique_fd.h"
#include "zccache/hash/hasher.h"
#include "zccache/os/process.h"
#include "zccache/store/index.h"

namespace zccache::store {
namespace {

// Room for our tables and a few future ones; LMDB sizes internal arrays by this.
constexpr unsigned kMaxDbs = 8;
constexpr std::array<const char*, 5> kTableNames = {"manifests", "results", "meta", "usage", "outputs"};
constexpr const char* kFormatDb = "format";
constexpr std::string_view kFormatKey = "index";
constexpr size_t kChecksumBytes = 8;

// A file that is not (or no longer) a sound environment: LMDB's own codes, and what it says for
// meta fields out of range (EINVAL; ENOMEM, or MDB_MAP_RESIZED, which only another process
// growing the map would cause otherwise, for a wrong last page number).
bool is_damage(int rc) {
  return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_VERSION_MISMATCH ||
         rc == MDB_INCOMPATIBLE || rc == MDB_MAP_RESIZED || rc == EINVAL || rc == ENOMEM;
}

Error lmdb_error(std::string_view operation, int rc, uint64_t map_size_bytes = 0) {
  std::string msg = "lmdb " + std::string(operation) + ": ";
  if (rc == MDB_MAP_FULL) {
    msg += "the index is full (map size " + std::to_string(map_size_bytes) +
           " bytes); evict entries, run `zccache clear`, or configure a larger index";
  } else {
    msg += mdb_strerror(rc);
  }
  return Error{is_damage(rc) ? ErrorCode::kCorrupt : ErrorCode::kStore, std::move(msg)};
}

std::string checksum(Table table, std::string_view key, std::string_view value) {
  hash::Hasher h;
  h.add_u64(static_cast<uint64_t>(table)).add(key).add(value);
  return std::string(h.finish().raw().substr(0, kChecksumBytes));
}

// The bytes stored for `value`.
std::string seal(Table table, std::string_view key, std::string_view value) {
  std::string sealed;
  sealed.reserve(value.size() + kChecksumBytes);
  sealed.append(value).append(checksum(table, key, value));
  return sealed;
}

// The caller's bytes of a stored value, or nullopt when it fails its checksum.
std::optional<std::string_view> unseal(Table table, std::string_view key, std::string_view stored) {
  if (stored.size() < kChecksumBytes) return std::nullopt;
  std::string_view value = stored.substr(0, stored.size() - kChecksumBytes);
  if (stored.substr(value.size()) != checksum(table, key, value)) return std::nullopt;
  return value;
}

Error corrupt_value(Table table, std::string_view key) {
  return make_error(ErrorCode::kCorrupt, std::string("index value in ") + kTableNames[static_cast<size_t>(table)] +
                                             " fails its checksum (key of " + std::to_string(key.size()) +
                                             " bytes)");
}

MDB_val to_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view from_val(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// Cursor: closed on destruction (before its transaction ends).
class Cursor {
 public:
  Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  int open(MDB_txn* txn, MDB_dbi dbi) { return mdb_cursor_open(txn, dbi, &cursor_); }
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

// Txn: one LMDB transaction, aborted on destruction unless committed. mdb_txn_commit frees the
// transaction even when it fails, so the handle is released before the call.
class Txn {
 public:
  Txn() = default;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  int begin(MDB_env* env, unsigned flags) { return mdb_txn_begin(env, nullptr, flags, &txn_); }
  int commit() { return mdb_txn_commit(std::exchange(txn_, nullptr)); }
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

class LmdbIndex final : public Index {
 public:
  LmdbIndex(MDB_env* env, std::string dir, uint64_t map_size_bytes)
      : env_(env), dir_(std::move(dir)), map_size_bytes_(map_size_bytes) {}
  ~LmdbIndex() override { mdb_env_close(env_); }  // also closes the dbi handles

  // Checks the format (stamping a new index), then opens the tables; writes nothing to an index
  // it refuses.
  Status open_tables() {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin", rc);
    ZCCACHE_TRY(check_format(txn.get()));
    for (size_t i = 0; i < kTableNames.size(); ++i) {
      if (int rc = mdb_dbi_open(txn.get(), kTableNames[i], MDB_CREATE, &dbis_[i]); rc != 0) {
        return lmdb_error(std::string("open table ") + kTableNames[i], rc, map_size_bytes_);
      }
    }
    if (int rc = txn.commit(); rc != 0) return lmdb_error("commit", rc, map_size_bytes_);
    return {};
  }

  Result<std::optional<std::string>> get(Table table, std::string_view key) override {
    Txn txn;
    if (int rc = txn.begin(env_, MDB_RDONLY); rc != 0) return lmdb_error("begin read", rc);
    MDB_val k = to_val(key);
    MDB_val v;
    int rc = mdb_get(txn.get(), dbi(table), &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>();
    if (rc != 0) return lmdb_error("get", rc);
    auto value = unseal(table, key, from_val(v));
    if (!value) return corrupt_value(table, key);
    // The value points into the map and is valid only until the transaction ends: copy it first.
    return std::optional<std::string>(std::in_place, *value);
  }

  Status put(Table table, std::string_view key, std::string_view value) override {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin write", rc);
    MDB_val k = to_val(key);
    std::string sealed = seal(table, key, value);
    MDB_val v = to_val(sealed);
    if (int rc = mdb_put(txn.get(), dbi(table), &k, &v, 0); rc != 0) return lmdb_error("put", rc, map_size_bytes_);
    if (int rc = txn.commit(); rc != 0) return lmdb_error("commit", rc, map_size_bytes_);
    return {};
  }

  Status erase(Table table, std::string_view key) override {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin write", rc);
    MDB_val k = to_val(key);
    int rc = mdb_del(txn.get(), dbi(table), &k, nullptr);
    if (rc == MDB_NOTFOUND) return {};  // erasing an absent key is not an error
    if (rc != 0) return lmdb_error("delete", rc, map_size_bytes_);
    if (rc = txn.commit(); rc != 0) return lmdb_error("commit", rc, map_size_bytes_);
    return {};
  }

  Result<uint64_t> count(Table table) override {
    Txn txn;
    if (int rc = txn.begin(env_, MDB_RDONLY); rc != 0) return lmdb_error("begin read", rc);
    MDB_stat st;
    if (int rc = mdb_stat(txn.get(), dbi(table), &st); rc != 0) return lmdb_error("stat", rc);
    return static_cast<uint64_t>(st.ms_entries);
  }

  Status write_batch(const std::vector<IndexWrite>& writes) override {
    if (writes.empty()) return {};
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin write", rc);
    for (const auto& w : writes) {
      MDB_val k = to_val(w.key);
      if (w.value) {
        std::string sealed = seal(w.table, w.key, *w.value);
        MDB_val v = to_val(sealed);
        if (int rc = mdb_put(txn.get(), dbi(w.table), &k, &v, 0); rc != 0) {
          return lmdb_error("put", rc, map_size_bytes_);
        }
      } else if (int rc = mdb_del(txn.get(), dbi(w.table), &k, nullptr); rc != 0 && rc != MDB_NOTFOUND) {
        return lmdb_error("delete", rc, map_size_bytes_);
      }
    }
    if (int rc = txn.commit(); rc != 0) return lmdb_error("commit", rc, map_size_bytes_);
    return {};
  }

  Status for_each(Table table, const std::function<bool(std::string_view, std::string_view)>& fn) override {
    Txn txn;
    if (int rc = txn.begin(env_, MDB_RDONLY); rc != 0) return lmdb_error("begin read", rc);
    Cursor cursor;
    if (int rc = cursor.open(txn.get(), dbi(table)); rc != 0) return lmdb_error("cursor", rc);
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
         rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
      if (rc != 0) return lmdb_error("iterate", rc);
      auto value = unseal(table, from_val(k), from_val(v));
      if (value && !fn(from_val(k), *value)) break;
    }
    return {};
  }

  Status rewrite_each(Table table,
                      const std::function<Rewrite(std::string_view, std::string_view, std::string*)>& fn) override {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin write", rc);
    // Changes are collected, then applied after the walk in the same transaction: editing under a
    // live cursor has LMDB version-specific edge cases (deleting the last entry, page splits).
    std::vector<std::pair<std::string, std::optional<std::string>>> changes;
    {
      Cursor cursor;
      if (int rc = cursor.open(txn.get(), dbi(table)); rc != 0) return lmdb_error("cursor", rc);
      MDB_val k, v;
      std::string replacement;
      for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
           rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
        if (rc != 0) return lmdb_error("iterate", rc);
        replacement.clear();
        auto value = unseal(table, from_val(k), from_val(v));
        Rewrite what = value ? fn(from_val(k), *value, &replacement) : Rewrite::kErase;
        if (what == Rewrite::kReplace) changes.emplace_back(std::string(from_val(k)), std::move(replacement));
        if (what == Rewrite::kErase) changes.emplace_back(std::string(from_val(k)), std::nullopt);
      }
    }
    for (const auto& [key, value] : changes) {
      MDB_val k = to_val(key);
      if (value) {
        std::string sealed = seal(table, key, *value);
        MDB_val v = to_val(sealed);
        if (int rc = mdb_put(txn.get(), dbi(table), &k, &v, 0); rc != 0) return lmdb_error("put", rc, map_size_bytes_);
      } else if (int rc = mdb_del(txn.get(), dbi(table), &k, nullptr); rc != 0 && rc != MDB_NOTFOUND) {
        return lmdb_error("delete", rc, map_size_bytes_);
      }
    }
    if (int rc = txn.commit(); rc != 0) return lmdb_error("commit", rc, map_size_bytes_);
    return {};
  }

  Status clear(bool include_meta) override {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin write", rc);
    for (Table t : {Table::kManifests, Table::kResults, Table::kMeta, Table::kUsage, Table::kOutputs}) {
      if (t == Table::kMeta && !include_meta) continue;
      // del = 0: empty the table but keep its handle valid.
      if (int rc = mdb_drop(txn.get(), dbi(t), 0); rc != 0) return lmdb_error("clear", rc, map_size_bytes_);
    }
    if (int rc = txn.commit(); rc != 0) return lmdb_error("commit", rc, map_size_bytes_);
    return {};
  }

  // st_blocks, not st_size: the data file is as large as the map on some systems but sparse, so
  // only the allocated blocks are real usage.
  uint64_t size_bytes() override {
    struct stat st;
    if (::stat((dir_ + "/data.mdb").c_str(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_blocks) * 512;
  }

 private:
  MDB_dbi dbi(Table table) const { return dbis_[static_cast<size_t>(table)]; }

  // An environment with no database at all is new: it gets the "format" database. Any other
  // must have one that says kIndexFormat.
  Status check_format(MDB_txn* txn) {
    MDB_dbi format;
    int rc = mdb_dbi_open(txn, kFormatDb, 0, &format);
    if (rc == MDB_NOTFOUND) {
      MDB_dbi main;
      MDB_stat st;
      if (rc = mdb_dbi_open(txn, nullptr, 0, &main); rc != 0) return lmdb_error("open main database", rc);
      if (rc = mdb_stat(txn, main, &st); rc != 0) return lmdb_error("stat", rc);
      if (st.ms_entries != 0) {
        return make_error(ErrorCode::kCorrupt, "index " + dir_ + " has no format version (written by an older zccache)");
      }
      if (rc = mdb_dbi_open(txn, kFormatDb, MDB_CREATE, &format); rc != 0) {
        return lmdb_error("create format database", rc, map_size_bytes_);
      }
      std::string stamp = std::to_string(kIndexFormat);
      MDB_val k = to_val(kFormatKey), v = to_val(stamp);
      if (rc = mdb_put(txn, format, &k, &v, 0); rc != 0) return lmdb_error("put format", rc, map_size_bytes_);
      return {};
    }
    if (rc != 0) return lmdb_error("open format database", rc);
    MDB_val k = to_val(kFormatKey), v;
    rc = mdb_get(txn, format, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error("get format", rc);
    std::string found = rc == 0 ? std::string(from_val(v)) : "none";
    if (found != std::to_string(kIndexFormat)) {
      return make_error(ErrorCode::kCorrupt, "index " + dir_ + " is format " + found.substr(0, 20) +
                                                 "; this zccache reads format " + std::to_string(kIndexFormat));
    }
    return {};
  }

  MDB_env* const env_;
  const std::string dir_;
  const uint64_t map_size_bytes_;
  // Opened once in open_tables() and committed, after which LMDB lets every transaction use them.
  std::array<MDB_dbi, kTableNames.size()> dbis_{};
};

Status make_private_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
  if (errno != ENOENT) return posix_error("mkdir", dir);
  std::error_code ec;
  std::filesystem::path p(dir);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return posix_error("mkdir", p.parent_path().string(), ec.value());
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
  return posix_error("mkdir", dir);
}

int configure_and_open(MDB_env* env, const std::string& dir, uint64_t map_size_bytes) {
  if (int rc = mdb_env_set_maxdbs(env, kMaxDbs); rc != 0) return rc;
  if (int rc = mdb_env_set_mapsize(env, map_size_bytes); rc != 0) return rc;
  // MDB_NOTLS: read transactions are not bound to a thread's slot, so any worker thread may read.
  return mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600);
}

// The checks of open_or_rebuild, meant for a child process, where a fault on a damaged page (or
// an LMDB assertion) only ends the child. Returns 0 when sound, kDamaged when a check or LMDB
// finds damage, 1 for other failures (permissions, ...).
constexpr int kDamaged = 2;
int status_of(int rc) { return rc == 0 ? 0 : is_damage(rc) ? kDamaged : 1; }

// Meta page fields LMDB trusts without checking. The last page must lie in the file: a larger
// number reads fine but makes every write allocate past the map (MDB_MAP_FULL for ever). The main
// database's flags must be none, as we create it. (A flag on the free list, which the API does
// not show, makes LMDB assert in a write: probe_write finds that.)
int check_meta(MDB_env* env, MDB_txn* txn, const std::string& dir) {
  MDB_envinfo info;
  MDB_stat env_stat;
  struct stat file;
  if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &env_stat) != 0 ||
      ::stat((dir + "/data.mdb").c_str(), &file) != 0) {
    return 1;
  }
  // Divided, not multiplied: a flipped high bit would make the product wrap around.
  if (env_stat.ms_psize == 0 || info.me_last_pgno >= static_cast<uint64_t>(file.st_size) / env_stat.ms_psize) {
    return kDamaged;
  }
  constexpr MDB_dbi kMainDbi = 1;
  unsigned flags = 0;
  if (int rc = mdb_dbi_flags(txn, kMainDbi, &flags); rc != 0) return status_of(rc);
  return flags == 0 ? 0 : kDamaged;
}

// Reads every entry of every database, the free list included, and touches each page of each
// value (a large value has its own pages, past the end of a truncated file: SIGBUS).
int read_everything(MDB_txn* txn) {
  std::function<int(MDB_dbi, bool)> walk = [&](MDB_dbi dbi, bool names_databases) {
    Cursor cursor;
    if (int rc = cursor.open(txn, dbi); rc != 0) return rc;
    MDB_val k, v;
    int rc;
    volatile unsigned char sink = 0;
    while ((rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) == 0) {
      const auto* bytes = static_cast<const unsigned char*>(v.mv_data);
      for (size_t i = 0; i < v.mv_size; i += 512) sink = sink + bytes[i];
      if (v.mv_size > 0) sink = sink + bytes[v.mv_size - 1];
      if (!names_databases) continue;
      std::string name(from_val(k));
      MDB_dbi named;
      unsigned flags = 0;
      if (int sub = mdb_dbi_open(txn, name.c_str(), 0, &named); sub != 0) return sub;
      if (int sub = mdb_dbi_flags(txn, named, &flags); sub != 0 || flags != 0) return sub ? sub : MDB_CORRUPTED;
      if (int sub = walk(named, false); sub != 0) return sub;
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
  };
  constexpr MDB_dbi kFreeDbi = 0;
  if (int rc = walk(kFreeDbi, false); rc != 0) return rc;
  MDB_dbi main;
  if (int rc = mdb_dbi_open(txn, nullptr, 0, &main); rc != 0) return rc;
  return walk(main, true);
}

// A put and a delete in each database, in a write transaction that is then aborted: page
// allocation reads the free list, and the pages on each probe key's path are copied (a damaged
// one crashes there); nothing reaches the file.
int probe_write(MDB_env* env) {
  Txn txn;
  if (int rc = txn.begin(env, 0); rc != 0) return rc;
  std::vector<const char*> names(kTableNames.begin(), kTableNames.end());
  names.push_back(kFormatDb);
  for (const char* name : names) {
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn.get(), name, 0, &dbi);
    if (rc == MDB_NOTFOUND) continue;  // unstamped, or an older table set: open() decides
    if (rc != 0) return rc;
    MDB_val k = to_val("\xff zccache probe"), v = to_val("probe");
    if (rc = mdb_put(txn.get(), dbi, &k, &v, 0); rc != 0) return rc;
    if (rc = mdb_del(txn.get(), dbi, &k, nullptr); rc != 0) return rc;
  }
  return 0;
}

int check_in_child(const std::string& dir, uint64_t map_size_bytes) {
  MDB_env* raw_env = nullptr;
  if (int rc = mdb_env_create(&raw_env); rc != 0) return 1;
  std::unique_ptr<MDB_env, void (*)(MDB_env*)> env(raw_env, mdb_env_close);
  if (int rc = configure_and_open(env.get(), dir, map_size_bytes); rc != 0) return status_of(rc);
  {
    Txn txn;
    if (int rc = txn.begin(env.get(), MDB_RDONLY); rc != 0) return status_of(rc);
    if (int checked = check_meta(env.get(), txn.get(), dir); checked != 0) return checked;
    if (int rc = read_everything(txn.get()); rc != 0) return status_of(rc);
  }
  return status_of(probe_write(env.get()));
}

// Up to 32 bytes of `path`, without trailing whitespace.
std::string read_small_file(const std::string& path) {
  char buf[32];
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ssize_t n = fd.valid() ? ::read(fd.get(), buf, sizeof(buf)) : -1;
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

Status remove_environment_files(const std::string& dir) {
  for (const char* name : {"/data.mdb", "/lock.mdb"}) {
    std::string path = dir + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return posix_error("unlink", path);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Index>> Index::open(const std::string& dir, uint64_t map_size_bytes) {
  ZCCACHE_TRY(make_private_dir(dir));
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return lmdb_error("create environment", rc);
  // Owns env from here on, so every early return below closes it.
  auto index = std::make_unique<LmdbIndex>(env, dir, map_size_bytes);
  if (int rc = configure_and_open(env, dir, map_size_bytes); rc != 0) return lmdb_error("open " + dir, rc);
  // Frees reader slots left behind by a previous daemon that was killed mid-read.
  int dead_readers = 0;
  mdb_reader_check(env, &dead_readers);
  ZCCACHE_TRY(index->open_tables());
  return std::unique_ptr<Index>(std::move(index));
}

std::string crash_marker_path(const std::string& dir) { return dir + "/crashed"; }

Result<OpenedIndex> Index::open_or_rebuild(const std::string& dir, uint64_t map_size_bytes) {
  struct stat st;
  const bool existed = ::stat((dir + "/data.mdb").c_str(), &st) == 0;
  std::string why;
  const std::string data_file = dir + "/data.mdb";
  const std::string marker = crash_marker_path(dir);
  if (::access(marker.c_str(), F_OK) == 0) {
    int signal = std::atoi(read_small_file(marker).c_str());
    why = "the daemon that used it last crashed" +
          (signal > 0 ? " (signal " + std::to_string(signal) + ", " + ::strsignal(signal) + ")" : std::string());
  }
  // LMDB would take an empty data file for a new one; ours was truncated (or never written).
  if (existed && why.empty() && st.st_size == 0) why = data_file + " is empty";
  if (existed && why.empty()) {
    auto walked = os::run_in_child([&] { return check_in_child(dir, map_size_bytes); });
    if (walked.ok() && *walked == kDamaged) why = "LMDB reports " + data_file + " damaged";
    if (walked.ok() && *walked > 128) why = "reading " + data_file + " crashed (" + ::strsignal(*walked - 128) + ")";
  }
  if (why.empty()) {
    auto index = open(dir, map_size_bytes);
    if (index.ok()) return OpenedIndex{std::move(index).value(), existed ? IndexOrigin::kOpened : IndexOrigin::kCreated, ""};
    if (index.error().code != ErrorCode::kCorrupt) return index.error();
    why = index.error().message;
  }
  ZCCACHE_TRY(remove_environment_files(dir));
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) return posix_error("unlink", marker);
  auto fresh = open(dir, map_size_bytes);
  if (!fresh.ok()) return fresh.error();
  return OpenedIndex{std::move(fresh).value(), IndexOrigin::kRebuilt, std::move(why)};
}

}  // namespace zccache::store
