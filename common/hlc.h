// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). Timestamps stay close
// to wall time (so "last writer wins" means what a user expects) yet respect causality: a write
// made after seeing another always carries a larger timestamp, even if the local clock is behind.
// Sans-IO: the caller passes the physical time; the clock never reads one.
//
// Bounded adoption (CockroachDB's max-offset rule). A remote timestamp more than
// `max_clock_offset_ms` ahead of our physical time is *not adopted*: observe() leaves the clock
// unchanged, counts it (rejected_remote()) and returns nothing; the caller reports the peer
// (crdt::Replica::merge_remote returns it, membership warns about the peer's offset). Without
// the bound, one node whose clock is a year ahead drags every node's clock, and so every later
// write in the cluster, a year ahead, for good.
// What happens to that peer's writes: they are still merged (replicas must converge, and the
// write is the user's), carrying their own future timestamps. Against a *concurrent* write made
// elsewhere they win last-writer-wins while that peer's clock runs ahead; a write made here
// *after* seeing them still replaces them (the OR-map replaces every write it has observed, and
// LWW-only fields are stamped after the value they overwrite: crdt/desired_state.h), so our
// clock need not jump for causality to hold.
// Guarantee: via remote input the clock never passes physical_ms + max_clock_offset_ms (local
// ticks and restore() from our own persisted state are not bounded: they are ours).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>

namespace shoal {

struct HlcTimestamp {
  std::uint64_t wall_ms = 0;   // max physical time seen, milliseconds since the Unix epoch
  std::uint32_t logical = 0;   // orders events within the same wall_ms

  auto operator<=>(const HlcTimestamp&) const = default;
  bool operator==(const HlcTimestamp&) const = default;
};

// The default bound. CockroachDB uses 500 ms for NTP-synced servers in data centres. Edge
// devices sync by SNTP over Wi-Fi/cellular (RTTs of 0.1-1 s, jitter beyond) and drift 2-4 s a
// day on cheap crystals while offline; 500 ms would reject healthy devices' writes from the
// clock. 5 s tolerates that, and still catches what actually happens at the edge: a device that
// booted without an RTC (1970), or a year off, or minutes off before NTP syncs. The cost: a
// concurrent write from a node up to 5 s ahead can win over a write made up to 5 s later.
inline constexpr std::uint64_t kDefaultMaxClockOffsetMs = 5'000;

class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(std::uint64_t max_clock_offset_ms = kDefaultMaxClockOffsetMs)
      : max_offset_ms_(max_clock_offset_ms) {}

  // A timestamp for a local event (a write) at physical time `physical_ms`.
  HlcTimestamp tick(std::uint64_t physical_ms);

  // Fold in a timestamp received from another node, so later local events order after it.
  // Returns the clock after it, or nothing if `remote` is more than max_clock_offset_ms ahead
  // of `physical_ms` (not adopted, clock unchanged, counted).
  std::optional<HlcTimestamp> observe(HlcTimestamp remote, std::uint64_t physical_ms);

  // True if observe() would adopt `remote` at `physical_ms`.
  bool within_offset(HlcTimestamp remote, std::uint64_t physical_ms) const {
    return remote.wall_ms <= physical_ms || remote.wall_ms - physical_ms <= max_offset_ms_;
  }

  HlcTimestamp last() const { return last_; }
  std::uint64_t max_clock_offset_ms() const { return max_offset_ms_; }
  std::uint64_t rejected_remote() const { return rejected_remote_; }

  // Restore after a restart (from our own persisted state) so timestamps never go backwards.
  void restore(HlcTimestamp at_least);

 private:
  HlcTimestamp last_;
  std::uint64_t max_offset_ms_;
  std::uint64_t rejected_remote_ = 0;
};

}  // namespace shoal
