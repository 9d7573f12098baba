// set_index_format_for_testing: rewrites the format stamp of an index directory (store/index.h,
// kIndexFormat) through LMDB directly, so that a test can play an index written by another zccache
// version. Test-only. REQUIRES: nobody has the index open (stop the daemon first).
#pragma once

#include <lmdb.h>

#include <optional>
#include <string>

namespace zccache::testing {

// `format`: the new stamp ("0", "99", anything); nullopt removes it, as in an index written before
// the stamp existed. Returns false when LMDB refused any step.
inline bool set_index_format_for_testing(const std::string& dir, const std::optional<std::string>& format) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0) return false;
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  bool ok = mdb_env_set_maxdbs(env, 8) == 0 && mdb_env_set_mapsize(env, 1ull << 32) == 0 &&
            mdb_env_open(env, dir.c_str(), 0, 0600) == 0 && mdb_txn_begin(env, nullptr, 0, &txn) == 0 &&
            mdb_dbi_open(txn, "format", format ? MDB_CREATE : 0, &dbi) == 0;
  if (ok && format) {
    MDB_val k{5, const_cast<char*>("index")};
    MDB_val v{format->size(), const_cast<char*>(format->data())};
    ok = mdb_put(txn, dbi, &k, &v, 0) == 0;
  } else if (ok) {
    ok = mdb_drop(txn, dbi, 1) == 0;
  }
  if (txn != nullptr) ok = ok ? mdb_txn_commit(txn) == 0 : (mdb_txn_abort(txn), false);
  mdb_env_close(env);
  return ok;
}

}  // namespace zccache::testing
