// How tools find their configuration file (clippy.toml, rustfmt.toml): the first of a few names
// in a directory, else in its parents. A key that covers such a file covers the search too: every
// candidate that was absent before the one found, so that a new file closer to the input changes
// the key.
#pragma once

#include <initializer_list>
#include <string>

#include "zccache/fscache/metadata_cache.h"
#include "zccache/hash/hasher.h"

namespace zccache::daemon {

// Adds the search from `dir` (absolute; its parents too when `upwards`) for the first existing
// file among `names` to `h`: each path tried, and the content digest of the one found. True when
// one was found.
bool hash_config_search(hash::Hasher& h, std::string dir, std::initializer_list<const char*> names, bool upwards,
                        fscache::MetadataCache& files);

}  // namespace zccache::daemon
