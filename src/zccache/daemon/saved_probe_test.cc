#include "zccache/daemon/saved_probe.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "zccache/hash/hasher.h"

namespace zccache::daemon {
namespace {

SavedProbe rust_like() {
  SavedProbe s;
  s.probe.binary_digest = hash::hash_bytes("rustc");
  s.probe.family = tools::Family::kRust;
  s.probe.version_text = "rustc 1.85.0\nbinary: rustc\n";
  s.probe.toolchain_files = {"/sys/lib/librustc_driver.so", "/sys/lib/rustlib/x86_64/lib/libstd.rlib"};
  s.probe.listed_dirs = {{"/sys/lib", 123}, {"/sys/lib/rustlib", -5}};
  s.probe.clippy = true;
  s.probe.emscripten_root = "";
  int64_t t = 1'700'000'000'000'000'000;
  s.files = {{"/sys/bin/rustc", {1, 2, 3, t, t + 1, 0100755, 1}, s.probe.binary_digest},
             {"/sys/lib/librustc_driver.so", {1, 4, 5, t, t, 0100644, 2}, hash::hash_bytes("driver")},
             {"/sys/lib/rustlib/x86_64/lib/libstd.rlib", {1, 6, 7, t, t, 0100644, 1}, hash::hash_bytes("std")}};
  return s;
}

TEST(SavedProbe, ComesBackAsItWasSaved) {
  SavedProbe s = rust_like();
  auto back = decode_saved_probe(encode_saved_probe(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->probe.binary_digest, s.probe.binary_digest);
  EXPECT_EQ(back->probe.family, tools::Family::kRust);
  EXPECT_EQ(back->probe.version_text, s.probe.version_text);
  EXPECT_EQ(back->probe.toolchain_files, s.probe.toolchain_files);
  EXPECT_EQ(back->probe.listed_dirs, s.probe.listed_dirs);
  EXPECT_TRUE(back->probe.clippy);
  EXPECT_FALSE(back->probe.honors_source_date_epoch);
  ASSERT_EQ(back->files.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->files[i].path, s.files[i].path);
    EXPECT_EQ(back->files[i].info, s.files[i].info) << i;
    EXPECT_EQ(back->files[i].digest, s.files[i].digest) << i;
  }
}

TEST(SavedProbe, AnythingMalformedOrForeignIsNotUsed) {
  std::string good = encode_saved_probe(rust_like());
  auto edited = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(good);
    edit(j);
    return decode_saved_probe(j.dump());
  };
  EXPECT_FALSE(decode_saved_probe(""));
  EXPECT_FALSE(decode_saved_probe("[1,2]"));
  EXPECT_FALSE(decode_saved_probe(good.substr(0, good.size() / 2)));
  EXPECT_FALSE(edited([](auto& j) { j["zccache"] = "0.0.1"; })) << "another version's probes may differ";
  EXPECT_FALSE(edited([](auto& j) { j["format"] = 2; }));
  EXPECT_FALSE(edited([](auto& j) { j.erase("version_text"); }));
  EXPECT_FALSE(edited([](auto& j) { j["family"] = 200; }));
  EXPECT_FALSE(edited([](auto& j) { j["binary_digest"] = "xyz"; }));
  EXPECT_FALSE(edited([](auto& j) { j["files"][1]["size"] = "big"; }));
  EXPECT_FALSE(edited([](auto& j) { j["files"][2]["path"] = "relative/libstd.rlib"; }));
  EXPECT_FALSE(edited([](auto& j) { j["files"].erase(2); })) << "a toolchain file without its digest";
  EXPECT_FALSE(edited([](auto& j) { j["files"][1]["path"] = "/sys/lib/other.so"; }));
  EXPECT_FALSE(edited([](auto& j) { j["files"][0]["digest"] = hash::hash_bytes("x").hex(); }))
      << "the binary's file digest must be the probe's";
  EXPECT_TRUE(edited([](auto&) {}));
}

}  // namespace
}  // namespace zccache::daemon
