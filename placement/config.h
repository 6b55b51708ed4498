// Every knob of placement in one struct, each with its effect, trade-off and why the default.
#pragma once

#include <cstdint>

namespace shoal::placement {

struct PlacementConfig {
  // Bounded loads (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads",
  // SODA 2018): no active node gets more than ceil((1 + load_epsilon) * mean) replicated tasks
  // while another eligible node has room; mean = replicated slots / active nodes. Smaller eps
  // balances better but makes more slots walk past full nodes, so a join/leave moves more
  // (the paper bounds the cascade by O(1/eps^2)). 0.25 is the target (max/mean <= 1.25)
  // and measured moved/optimal stays near 1 with it (docs/placement.md).
  double load_epsilon = 0.25;

  // Points per node on the hash ring. Each node's share of the ring varies by about
  // 1/sqrt(vnodes); more points balance better before the load cap acts (fewer nodes at the
  // cap, so a smaller cascade on change) but cost memory (16 B per point) and sort time.
  // 100 keeps the no-cap spread near 10% and the 10,000-node ring at 16 MB (measured in
  // bench_placement, see docs/placement.md).
  std::uint32_t vnodes_per_node = 100;

  // When every node of a slot's ring is at the load cap (a constraint admits too few nodes, or
  // resources keep most nodes out), the slot goes to the least loaded of the first
  // `overflow_choices` nodes with room in ring order ("power of d choices": max load drops
  // from log n/log log n to log log n/log d). 4 keeps the overflow walk short.
  std::uint32_t overflow_choices = 4;

  // Bounds on input, so a bad spec cannot make placement allocate without limit: a spec with
  // more slots than this is refused with an error. 10M is 10x the benchmark's million tasks.
  std::uint64_t max_total_slots = 10'000'000;
};

}  // namespace shoal::placement
