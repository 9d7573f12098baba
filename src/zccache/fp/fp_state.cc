#include "zccache/fp/fp_state.h"

// The store's little-endian primitives (header-only; zccache-fp does not link the store).
#include "zccache/store/byte_codec.h"

namespace zccache::fp {

using store::ByteReader;
using store::ByteWriter;

std::string encode_state(const FpState& state) {
  ByteWriter w;
  w.u32(kFpMagic);
  w.u32(kFpFormat);
  w.str(state.root);
  w.u32(static_cast<uint32_t>(state.files.size()));
  for (const auto& f : state.files) {
    w.str(f.path);
    w.u64(f.size);
    w.i64(f.mtime_ns);
    w.i64(f.ctime_ns);
    w.u64(f.inode);
    w.digest(f.digest);
    w.u8(f.trusted ? 1 : 0);
  }
  w.u8(state.has_success ? 1 : 0);
  if (state.has_success) {
    w.str(state.success_spec);
    w.u32(static_cast<uint32_t>(state.success.size()));
    for (const auto& s : state.success) {
      w.str(s.path);
      w.digest(s.digest);
    }
  }
  return std::move(w).take();
}

std::optional<FpState> decode_state(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.u32() != kFpMagic || r.u32() != kFpFormat || !r.ok()) return std::nullopt;
  FpState state;
  state.root = r.str();
  // Smallest record: 4 (path length) + 8 * 4 + 16 + 1 bytes.
  uint32_t n = r.count(53);
  state.files.resize(n);
  for (auto& f : state.files) {
    f.path = r.str();
    f.size = r.u64();
    f.mtime_ns = r.i64();
    f.ctime_ns = r.i64();
    f.inode = r.u64();
    f.digest = r.digest();
    f.trusted = r.boolean();
  }
  state.has_success = r.boolean();
  if (state.has_success) {
    state.success_spec = r.str();
    uint32_t m = r.count(20);
    state.success.resize(m);
    for (auto& s : state.success) {
      s.path = r.str();
      s.digest = r.digest();
    }
  }
  if (!r.done()) return std::nullopt;
  return state;
}

}  // namespace zccache::fp
