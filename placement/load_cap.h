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

// The cap of the node whose stable_hash(name) is `node_hash`: floor(bound) or floor(bound) + 1,
// the latter for a fraction frac(bound) of nodes chosen by hash; at least 1.
inline std::uint32_t load_cap(double bound, std::uint64_t node_hash) {
  bound = std::min<double>(bound, std::numeric_limits<std::uint32_t>::max() - 2.0);
  auto whole = static_cast<std::uint32_t>(std::floor(bound));
  double frac = bound - std::floor(bound);
  double u = static_cast<double>(node_hash >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  return std::max<std::uint32_t>(whole + (u < frac ? 1 : 0), 1);
}

}  // namespace shoal::placement
