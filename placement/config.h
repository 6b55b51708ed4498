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
  // cap, so a smaller cascade on change) but cost memory (16 B per point) and time (sort,
  // sweep). 100 keeps the no-cap spread near 10% and the 10,000-node ring at 16 MB; 200 costs
  // ~2x the time for little less movement (measured in bench_placement, docs/placement.md).
  std::uint32_t vnodes_per_node = 100;

  // Multi-probe consistent hashing (Appleton, O'Reilly, "Multi-probe consistent hashing", 2015):
  // a slot looks at this many positions derived from its hash and takes the one nearest before
  // a ring point. The nearest of k probes rarely falls in the long arcs behind a node with a
  // large share, so the heaviest nodes get fewer slots and fewer reach the load cap; each probe
  // is one ring lookup. Default 1 (plain ring) because of a measured trade-off
  // (docs/placement.md): 3 probes lower bench_placement's moved/optimal (mixed leave/join
  // 1.25/1.19 -> 1.19/1.20, uniform 1.16/1.18 -> 1.10/1.12, for ~0.15 s more), but when a
  // service has replicas on most nodes (50 replicas on 100 nodes) a leaving node's slots land
  // near points (their best remaining probe) and push out other slots of the same service:
  // 1.37 -> 1.64 there.
  std::uint32_t probes_per_slot = 1;

  // When every node of a slot's ring is at the load cap (a constraint admits too few nodes, or
  // resources keep most nodes out), the slot goes to the least loaded of the first
  // `overflow_choices` nodes with room in ring order ("power of d choices": max load drops
  // from log n/log log n to log log n/log d). 4 keeps the overflow walk short.
  std::uint32_t overflow_choices = 4;

  // How many carried slots a node may pass over at one ring point in the placement sweep
  // (ring_sweep.h) while looking for one it may take (constraints, per-service limit). It bounds
  // the work per point when few slots fit anywhere; slots deeper down wait for later points,
  // and whatever the sweep leaves is placed one by one afterwards, so this trades a little
  // placement quality in crowded clusters for time. 64 is far above the carry seen in
  // bench_placement (a few slots per point).
  std::uint32_t sweep_scan_depth = 64;

  // "Take your arc" (place.h rule 3c, home_pull.h): a node whose replicated load is under
  // pull_below_mean x mean takes back the slots whose first node on the ring it is from the
  // nodes they run on, nearest first, until its load reaches pull_up_to_mean x mean (never past
  // its cap). Both are dithered per node like the cap (load_cap.h). Sticky placement alone
  // leaves a joining node empty; this gives it about its share (tasks/N) and moves nothing
  // else. Set pull_below_mean to 0 to turn it off (a join then moves only cap-forced tasks).
  //  - pull_below_mean: the trigger. Low enough that a node near the mean never pulls: with
  //    100 ring points a node's natural load varies by ~15% (ring share and Poisson spread), and
  //    such a node already holds its arcs' slots unless a rule sent them on; near it a change
  //    of the mean by one task would start pulls (collateral moves on a leave or a scale-up).
  //    High enough that a joining node and nodes left well under the mean fill up. 0.8 keeps
  //    leave/drain at 1.000 and "one service change" at 0 others moved in bench_placement
  //    (docs/placement.md).
  //  - pull_up_to_mean: the target, >= the trigger (the gap is hysteresis: a node that pulled
  //    does not pull again for a task more or less). 1.0 = a joining node takes up to its share.
  double pull_below_mean = 0.8;
  double pull_up_to_mean = 1.0;

  // Bounds on input, so a bad spec cannot make placement allocate without limit: a spec with
  // more slots than this is refused with an error. 10M is 10x the benchmark's million tasks.
  std::uint64_t max_total_slots = 10'000'000;
};

}  // namespace shoal::placement
