#include "zccache/daemon/saved_probe.h"

#include <nlohmann/json.hpp>

#include "zccache/base/log.h"
#include "zccache/base/version.h"
#include "zccache/store/index.h"

namespace zccache::daemon {
namespace {

constexpr int kFormat = 1;

nlohmann::json file_json(const SavedFile& f) {
  return {{"path", f.path},           {"dev", f.info.dev},           {"ino", f.info.ino},
          {"size", f.info.size},      {"mtime_ns", f.info.mtime_ns}, {"ctime_ns", f.info.ctime_ns},
          {"mode", f.info.mode},      {"nlink", f.info.nlink},       {"digest", f.digest.hex()}};
}

std::optional<SavedFile> file_from(const nlohmann::json& j) {
  SavedFile f;
  f.path = j.at("path").get<std::string>();
  f.info.dev = j.at("dev").get<uint64_t>();
  f.info.ino = j.at("ino").get<uint64_t>();
  f.info.size = j.at("size").get<uint64_t>();
  f.info.mtime_ns = j.at("mtime_ns").get<int64_t>();
  f.info.ctime_ns = j.at("ctime_ns").get<int64_t>();
  f.info.mode = j.at("mode").get<uint32_t>();
  f.info.nlink = j.at("nlink").get<uint64_t>();
  auto digest = hash::Digest::from_hex(j.at("digest").get<std::string>());
  if (!digest || f.path.empty() || f.path[0] != '/') return std::nullopt;
  f.digest = *digest;
  return f;
}

}  // namespace

std::string saved_probe_key(const std::string& real_path) { return "compiler-probe:" + real_path; }

std::string encode_saved_probe(const SavedProbe& saved) {
  const CompilerProbe& p = saved.probe;
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& [dir, mtime] : p.listed_dirs) dirs.push_back({dir, mtime});
  nlohmann::json files = nlohmann::json::array();
  for (const SavedFile& f : saved.files) files.push_back(file_json(f));
  nlohmann::json j{{"format", kFormat},
                   {"zccache", kVersion},
                   {"binary_digest", p.binary_digest.hex()},
                   {"family", static_cast<int>(p.family)},
                   {"version_text", p.version_text},
                   {"honors_source_date_epoch", p.honors_source_date_epoch},
                   {"toolchain_files", p.toolchain_files},
                   {"clippy", p.clippy},
                   {"deterministic_default", p.deterministic_default},
                   {"emscripten_root", p.emscripten_root},
                   {"listed_dirs", std::move(dirs)},
                   {"files", std::move(files)}};
  // Invalid UTF-8 in a path or a version text is replaced rather than thrown on: such a record
  // then fails to match its files and is probed again, which is all a saved probe can cost.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<SavedProbe> decode_saved_probe(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  try {
    if (j.at("format").get<int>() != kFormat || j.at("zccache").get<std::string>() != kVersion) return std::nullopt;
    SavedProbe saved;
    CompilerProbe& p = saved.probe;
    auto binary = hash::Digest::from_hex(j.at("binary_digest").get<std::string>());
    int family = j.at("family").get<int>();
    if (!binary || family < 0 || family > static_cast<int>(tools::Family::kEmcc)) return std::nullopt;
    p.binary_digest = *binary;
    p.family = static_cast<tools::Family>(family);
    p.version_text = j.at("version_text").get<std::string>();
    p.honors_source_date_epoch = j.at("honors_source_date_epoch").get<bool>();
    p.toolchain_files = j.at("toolchain_files").get<std::vector<std::string>>();
    p.clippy = j.at("clippy").get<bool>();
    p.deterministic_default = j.at("deterministic_default").get<bool>();
    p.emscripten_root = j.at("emscripten_root").get<std::string>();
    for (const auto& d : j.at("listed_dirs")) p.listed_dirs.emplace_back(d.at(0).get<std::string>(), d.at(1).get<int64_t>());
    for (const auto& f : j.at("files")) {
      auto file = file_from(f);
      if (!file) return std::nullopt;
      saved.files.push_back(std::move(*file));
    }
    // Every file the identity hashes must come with its digest: the binary and each toolchain file.
    if (saved.files.size() != p.toolchain_files.size() + 1) return std::nullopt;
    for (size_t i = 0; i < p.toolchain_files.size(); ++i) {
      if (saved.files[i + 1].path != p.toolchain_files[i]) return std::nullopt;
    }
    if (saved.files[0].digest != p.binary_digest) return std::nullopt;
    return saved;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::optional<SavedProbe> load_saved_probe(store::Index* index, const std::string& real_path) {
  if (!index) return std::nullopt;
  auto text = index->get(store::Table::kMeta, saved_probe_key(real_path));
  if (!text.ok() || !text->has_value()) return std::nullopt;
  auto saved = decode_saved_probe(**text);
  if (saved && saved->files[0].path != real_path) return std::nullopt;
  return saved;
}

void save_probe(store::Index* index, const std::string& real_path, const SavedProbe& saved) {
  if (!index) return;
  Status put = index->put(store::Table::kMeta, saved_probe_key(real_path), encode_saved_probe(saved));
  if (!put.ok()) log::debug("cannot save the probe of " + real_path + ": " + put.error().message);
}

}  // namespace zccache::daemon
