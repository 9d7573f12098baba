#include "remote_checks.h"

#include <chrono>
#include <thread>

namespace zccache::e2e {

nlohmann::json remote_status(Sandbox& sb) {
  nlohmann::json j = sb.status_json();
  if (j.is_null() || !j.contains("remote")) return nullptr;
  return j["remote"]["servers"][0];
}

uint64_t remote_count(Sandbox& sb, const char* field) {
  nlohmann::json r = remote_status(sb);
  return r.is_null() ? 0 : r.value(field, uint64_t{0});
}

bool wait_for_uploads(Sandbox& sb, uint64_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    nlohmann::json j = sb.status_json();
    if (!j.is_null() && j.contains("remote") && j["remote"]["queued"] == 0 &&
        j["remote"]["servers"][0]["uploads"].get<uint64_t>() >= n)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::vector<nlohmann::json> stopped_journal(Sandbox& sb) {
  EXPECT_EQ(sb.zccache({"stop"}).exit_code, 0);
  std::vector<nlohmann::json> lines;
  FileBytes text = sb.read(sb.cache_dir() + "/logs/compile_journal.jsonl");
  if (!text) return lines;
  size_t pos = 0;
  for (size_t end; (end = text->find('\n', pos)) != std::string::npos; pos = end + 1) {
    lines.push_back(nlohmann::json::parse(text->substr(pos, end - pos)));
  }
  return lines;
}

std::vector<nlohmann::json> lines_for(const std::vector<nlohmann::json>& lines, const std::string& outcome,
                                      const std::string& arg_suffix) {
  std::vector<nlohmann::json> out;
  for (const auto& j : lines) {
    if (j["outcome"] != outcome) continue;
    for (const auto& a : j["args"]) {
      if (a.get<std::string>().ends_with(arg_suffix)) {
        out.push_back(j);
        break;
      }
    }
  }
  return out;
}

}  // namespace zccache::e2e
