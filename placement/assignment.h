// Placement's output: which node runs each task slot, plus a human reason for each slot that
// cannot be placed. Compact on purpose: a million tasks must be emitted in well under a second,
// so tasks refer to services and nodes by index into sorted name tables instead of carrying
// strings. Index order is name order, so `tasks` sorted by (service, slot, node) is also sorted
// by names, and two assignments can be compared by a merge walk.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/node_id.h"

namespace shoal::placement {

// Global services have no slot numbers: their tasks are named by their node.
inline constexpr std::uint32_t kGlobalSlot = std::numeric_limits<std::uint32_t>::max();

struct PlacedTask {
  std::uint32_t service = 0;  // index into Assignment::services
  std::uint32_t slot = 0;     // replica number, or kGlobalSlot
  std::uint32_t node = 0;     // index into Assignment::nodes

  bool operator==(const PlacedTask&) const = default;
};

struct UnplacedSlot {
  std::uint32_t service = 0;
  std::uint32_t slot = 0;
  std::string reason;  // "no node satisfies node.labels.zone==b", "insufficient memory: ..."

  bool operator==(const UnplacedSlot&) const = default;
};

struct Assignment {
  std::vector<std::string> services;  // sorted, unique
  std::vector<NodeId> nodes;          // sorted, unique: every node of the input
  std::vector<PlacedTask> tasks;      // sorted by (service, slot, node)
  std::vector<UnplacedSlot> unplaced; // sorted by (service, slot)

  bool operator==(const Assignment&) const = default;

  std::optional<std::uint32_t> service_index(std::string_view name) const;
  std::optional<std::uint32_t> node_index(std::string_view name) const;

  // The node of a replicated service's slot, if placed.
  std::optional<NodeId> node_of(std::string_view service, std::uint32_t slot) const;

  // Tasks per node index (size nodes.size()).
  std::vector<std::uint32_t> load_per_node() const;
};

// How many replicated slots placed in both `before` and `after` (matched by service name and
// slot) run on a different node in `after`: what a change costs in task restarts. Global tasks
// are named by their node, so they never move (they start or stop with their node).
std::uint64_t count_moved(const Assignment& before, const Assignment& after);

}  // namespace shoal::placement
