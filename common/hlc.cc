#include "common/hlc.h"

#include <algorithm>

namespace shoal {

HlcTimestamp HybridLogicalClock::tick(std::uint64_t physical_ms) {
  if (physical_ms > last_.wall_ms) {
    last_ = {physical_ms, 0};
  } else {
    ++last_.logical;
  }
  return last_;
}

std::optional<HlcTimestamp> HybridLogicalClock::observe(HlcTimestamp remote, std::uint64_t physical_ms) {
  if (!within_offset(remote, physical_ms)) {
    ++rejected_remote_;
    return std::nullopt;
  }
  std::uint64_t wall = std::max({last_.wall_ms, remote.wall_ms, physical_ms});
  std::uint32_t logical = 0;
  if (wall == last_.wall_ms && wall == remote.wall_ms) {
    logical = std::max(last_.logical, remote.logical) + 1;
  } else if (wall == last_.wall_ms) {
    logical = last_.logical + 1;
  } else if (wall == remote.wall_ms) {
    logical = remote.logical + 1;
  }
  last_ = {wall, logical};
  return last_;
}

void HybridLogicalClock::restore(HlcTimestamp at_least) { last_ = std::max(last_, at_least); }

}  // namespace shoal
