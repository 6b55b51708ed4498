// The bounded-load cap of each node (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with
// Bounded Loads", SODA 2018), as place() computes it. Public so tests and the benchmark can
// state movement bounds exactly (e.g. "a join moves only the tasks above the new caps").
//
// The bound is (1 + eps) * mean, mean = replicated slots to place / active nodes. A cap that is
// one integer for every node jumps by one for all of them whenever the mean crosses a step (a
// single node leaving can do that), and every node at the cap then takes one more task, or
// sheds one: hundreds of moves for one change. Instead each node rounds the real bound up or
// down by its own hash, so the caps average the bound, none exceeds ceil(bound), and a small
// change of the mean flips only the few nodes whose threshold it crosses.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace shoal::placement {

// (1 + eps) * slots / active_nodes; 0 when there is no active node.
inline double load_bound(double load_epsilon, std::uint64_t slots, std::size_t active_nodes) {
  if (active_nodes == 0) return 0;
  return (1.0 + load_epsilon) * static_cast<double>(slots) / static_cast<double>(active_nodes);
}

// floor(bound) or floor(bound) + 1, the latter for a fraction frac(bound) of nodes chosen by
// `node_hash`: thresholds that average `bound` and move on few nodes when `bound` moves a little.
inline std::uint32_t dithered(double bound, std::uint64_t node_hash) {
  bound = std::clamp<double>(bound, 0.0, std::numeric_limits<std::uint32_t>::max() - 2.0);
  auto whole = static_cast<std::uint32_t>(std::floor(bound));
  double frac = bound - std::floor(bound);
  double u = static_cast<double>(node_hash >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  return whole + (u < frac ? 1 : 0);
}

// The cap of the node whose stable_hash(name) is `node_hash`: dithered(bound), at least 1.
inline std::uint32_t load_cap(double bound, std::uint64_t node_hash) {
  return std::max<std::uint32_t>(dithered(bound, node_hash), 1);
}

// How many running tasks a node may keep (sticky placement, place.h rule 3a): the bound of
// issue 5 itself, ceil((1 + eps) * mean), rather than the node's dithered cap, which is for
// placing tasks. A join lowers the mean by mean/N, so a dithered cap rounds down on a few nodes
// that sit at it, and each would shed a task to its ring successor, not to the new node: ~10 of
// the ~110 moves of a join on bench_placement's cluster. Keeping up to the ceiling, the bound
// still holds and only a real drop of the ceiling forces tasks off.
inline std::uint32_t keep_limit(double bound, std::uint64_t node_hash) {
  const double ceiling = std::ceil(std::clamp<double>(bound, 0.0, std::numeric_limits<std::uint32_t>::max() - 2.0));
  return std::max(load_cap(bound, node_hash), static_cast<std::uint32_t>(ceiling));
}

// The pull thresholds ("take your arc", place.h rule 3c): a node whose load is under
// pull_trigger(config.pull_below_mean, ...) takes back the slots whose first node on the ring it
// is, until its load reaches pull_trigger(config.pull_up_to_mean, ...) (and never past its cap).
// `fraction` times the mean load, dithered per node like the cap, but by a remixed hash so a
// node's rounding of its cap and of its thresholds are unrelated.
inline std::uint32_t pull_threshold(double fraction, std::uint64_t slots, std::size_t active_nodes,
                                    std::uint64_t node_hash) {
  if (active_nodes == 0) return 0;
  std::uint64_t h = (node_hash ^ (node_hash >> 31)) * 0x7fb5d329728ea185ULL;  // murmur-style mix
  h ^= h >> 27;
  return dithered(fraction * static_cast<double>(slots) / static_cast<double>(active_nodes), h);
}

}  // namespace shoal::placement
