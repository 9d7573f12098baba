#include "zccache/store/result_entry.h"

#include <utility>

#include "zccache/store/byte_codec.h"

namespace zccache::store {
namespace {

constexpr size_t kMinOutputBytes = 4 + 16 + 8;  // empty role + digest + size
constexpr size_t kMinStringBytes = 4;           // an empty string

void write_strings(ByteWriter& w, const std::vector<std::string>& v) {
  w.u32(static_cast<uint32_t>(v.size()));
  for (const std::string& s : v) w.str(s);
}

std::vector<std::string> read_strings(ByteReader& r) {
  std::vector<std::string> v;
  uint32_t n = r.count(kMinStringBytes);
  v.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) v.push_back(r.str());
  return v;
}

}  // namespace

std::string encode_result(const ResultEntry& entry) {
  ByteWriter w;
  w.u32(kResultFormat);
  w.i32(entry.exit_code);
  w.str(entry.stdout_data);
  w.str(entry.stderr_data);
  w.u64(entry.compile_time_ns);
  w.u32(static_cast<uint32_t>(entry.outputs.size()));
  for (const StoredOutput& o : entry.outputs) {
    w.str(o.role);
    w.digest(o.blob);
    w.u64(o.size);
  }
  w.u8(entry.has_depfile ? 1 : 0);
  if (entry.has_depfile) {
    w.str(entry.depfile_bytes);
    write_strings(w, entry.depfile_targets);
    write_strings(w, entry.depfile_deps);
    w.u8(entry.phony_targets ? 1 : 0);
    w.u8(entry.renderable ? 1 : 0);
  }
  return std::move(w).take();
}

std::optional<ResultEntry> decode_result(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.u32() != kResultFormat || !r.ok()) return std::nullopt;
  ResultEntry e;
  e.exit_code = r.i32();
  e.stdout_data = r.str();
  e.stderr_data = r.str();
  e.compile_time_ns = r.u64();
  uint32_t outputs = r.count(kMinOutputBytes);
  e.outputs.reserve(outputs);
  for (uint32_t i = 0; i < outputs && r.ok(); ++i) {
    StoredOutput& o = e.outputs.emplace_back();
    o.role = r.str();
    o.blob = r.digest();
    o.size = r.u64();
  }
  e.has_depfile = r.boolean();
  if (e.has_depfile && r.ok()) {
    e.depfile_bytes = r.str();
    e.depfile_targets = read_strings(r);
    e.depfile_deps = read_strings(r);
    e.phony_targets = r.boolean();
    e.renderable = r.boolean();
  }
  if (!r.done()) return std::nullopt;
  return e;
}

}  // namespace zccache::store
