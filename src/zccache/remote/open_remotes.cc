#include "zccache/remote/open_remotes.h"

#include "zccache/remote/http_store.h"
#include "zccache/remote/redis_store.h"

namespace zccache::remote {

std::vector<std::unique_ptr<MonitoredRemote>> open_remotes(const std::vector<RemoteSpec>& specs) {
  std::vector<std::unique_ptr<MonitoredRemote>> out;
  for (const RemoteSpec& spec : specs) {
    auto store = spec.kind == Kind::kRedis ? make_redis_store(spec) : make_http_store(spec);
    out.push_back(std::make_unique<MonitoredRemote>(spec.redacted(), std::move(store)));
  }
  return out;
}

}  // namespace zccache::remote
