// Human reasons for slots that cannot be placed, worded so an operator knows what to change:
// "no node satisfies node.labels.zone==b", "insufficient memory: need 512MiB, best node has
// 256MiB free".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "placement/inputs.h"

namespace shoal::placement {

// "512MiB", "1.5GiB", "100B": binary units, at most one decimal.
std::string format_bytes(std::uint64_t bytes);
// "1500m" (millicpu, as Kubernetes writes it).
std::string format_cpu(std::uint64_t millis);

// What each node has left after placement, for the resource part of a reason.
struct NodeRoom {
  const Node* node = nullptr;
  bool active = false;  // alive and availability active
  std::uint64_t free_cpu_millis = 0;
  std::uint64_t free_memory_bytes = 0;
};

// Why no node can take another task of `service`. Checks in the order an operator would fix
// things: no active node, a constraint no node meets, constraints no node meets together, then
// cpu and memory against the best node.
std::string explain_unplaceable(const Service& service, const std::vector<NodeRoom>& nodes);

}  // namespace shoal::placement
