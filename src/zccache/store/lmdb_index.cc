// LmdbIndex: the Index over one LMDB environment. Layout: <dir>/data.mdb and <dir>/lock.mdb, four
// named databases ("manifests", "results", "meta", "usage"; an index written before "usage"
// existed gains it, empty, on open). The map is reserved up front (sparse file) and
// never grows; a full map is reported as kStore so the caller can evict or clear.
#include <lmdb.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "zccache/base/posix_error.h"
#include "zccache/store/index.h"

namespace zccache::store {
namespace {

// Room for our three tables and a few future ones; LMDB sizes internal arrays by this.
constexpr unsigned kMaxDbs = 8;
constexpr std::array<const char*, 5> kTableNames = {"manifests", "results", "meta", "usage", "outputs"};

Error lmdb_error(std::string_view operation, int rc, uint64_t map_size_bytes = 0) {
  std::string msg = "lmdb " + std::string(operation) + ": ";
  if (rc == MDB_MAP_FULL) {
    msg += "the index is full (map size " + std::to_string(map_size_bytes) +
           " bytes); evict entries, run `zccache clear`, or configure a larger index";
  } else {
    msg += mdb_strerror(rc);
  }
  return Error{ErrorCode::kStore, std::move(msg)};
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

  Status open_tables() {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin", rc);
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
    // The value points into the map and is valid only until the transaction ends: copy it first.
    return std::optional<std::string>(std::in_place, static_cast<const char*>(v.mv_data), v.mv_size);
  }

  Status put(Table table, std::string_view key, std::string_view value) override {
    Txn txn;
    if (int rc = txn.begin(env_, 0); rc != 0) return lmdb_error("begin write", rc);
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
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
        MDB_val v = to_val(*w.value);
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
      if (!fn(from_val(k), from_val(v))) break;
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
        Rewrite what = fn(from_val(k), from_val(v), &replacement);
        if (what == Rewrite::kReplace) changes.emplace_back(std::string(from_val(k)), std::move(replacement));
        if (what == Rewrite::kErase) changes.emplace_back(std::string(from_val(k)), std::nullopt);
      }
    }
    for (const auto& [key, value] : changes) {
      MDB_val k = to_val(key);
      if (value) {
        MDB_val v = to_val(*value);
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

}  // namespace

Result<std::unique_ptr<Index>> Index::open(const std::string& dir, uint64_t map_size_bytes) {
  ZCCACHE_TRY(make_private_dir(dir));
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return lmdb_error("create environment", rc);
  // Owns env from here on, so every early return below closes it.
  auto index = std::make_unique<LmdbIndex>(env, dir, map_size_bytes);
  if (int rc = mdb_env_set_maxdbs(env, kMaxDbs); rc != 0) return lmdb_error("set max dbs", rc);
  if (int rc = mdb_env_set_mapsize(env, map_size_bytes); rc != 0) return lmdb_error("set map size", rc);
  // MDB_NOTLS: read transactions are not bound to a thread's slot, so any worker thread may read.
  if (int rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600); rc != 0) {
    return lmdb_error("open " + dir, rc);
  }
  // Frees reader slots left behind by a previous daemon that was killed mid-read.
  int dead_readers = 0;
  mdb_reader_check(env, &dead_readers);
  ZCCACHE_TRY(index->open_tables());
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace zccache::store
