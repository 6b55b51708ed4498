// Platforms (os/architecture/variant) and choosing a node's entry from an image index.
// Names are Go's GOOS/GOARCH as OCI uses them ("linux", "amd64", "arm64", "arm" + "v7").
// Pure: the node's platform is an input (host_platform() gives this build's).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace shoal::image {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // "" when the architecture has none or it is not given

  std::string to_string() const;  // "linux/arm64/v8", "linux/amd64"
  bool operator==(const Platform&) const = default;
};

// The platform this binary was built for (the node's: shoal is built per architecture).
Platform host_platform();

// Same spelling for the same platform: aliases (x86_64 -> amd64, aarch64 -> arm64), the
// default variants (arm64 -> v8, arm -> v7, amd64's v1 -> none), lowercase os and arch.
Platform normalize_platform(Platform p);

// How well `offered` suits a node of platform `node`: 0 = cannot run it; higher is better (an
// exact variant beats an older ARM variant, which beats an entry that names no variant).
int platform_match_score(const Platform& node, const Platform& offered);

// Index of the best of `offered` for `node` (the first among equals, as containerd picks), or
// an error listing every platform offered.
Result<std::size_t> select_platform(const Platform& node, const std::vector<Platform>& offered);

}  // namespace shoal::image
