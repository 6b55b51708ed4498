// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). Timestamps stay close
// to wall time (so "last writer wins" means what a user expects) yet respect causality: a write
// made after seeing another always carries a larger timestamp, even if the local clock is behind.
// Sans-IO: the caller passes the physical time; the clock never reads one.
#pragma once

#include <compare>
#include <cstdint>

namespace shoal {

struct HlcTimestamp {
  std::uint64_t wall_ms = 0;   // max physical time seen, milliseconds since the Unix epoch
  std::uint32_t logical = 0;   // orders events within the same wall_ms

  auto operator<=>(const HlcTimestamp&) const = default;
  bool operator==(const HlcTimestamp&) const = default;
};

class HybridLogicalClock {
 public:
  // A timestamp for a local event (a write) at physical time `physical_ms`.
  HlcTimestamp tick(std::uint64_t physical_ms);

  // Fold in a timestamp received from another node, so later local events order after it.
  HlcTimestamp observe(HlcTimestamp remote, std::uint64_t physical_ms);

  HlcTimestamp last() const { return last_; }

  // Restore after a restart (from persisted state) so timestamps never go backwards.
  void restore(HlcTimestamp at_least);

 private:
  HlcTimestamp last_;
};

}  // namespace shoal
