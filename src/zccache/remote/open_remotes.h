// open_remotes: the MonitoredRemote of each parsed spec, in order (redis_store or http_store
// behind each). Connects lazily: nothing here touches the network.
#pragma once

#include <memory>
#include <vector>

#include "zccache/remote/monitored_remote.h"
#include "zccache/remote/remote_spec.h"

namespace zccache::remote {

std::vector<std::unique_ptr<MonitoredRemote>> open_remotes(const std::vector<RemoteSpec>& specs);

}  // namespace zccache::remote
