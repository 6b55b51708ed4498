// Each node's task subnet (a /24 by default) from the overlay pool, deterministic from the member
// list so every node computes the same map, and stable while a node lives: see slot_allocator.h
// for the scheme and why it holds. A node publishes the subnet it got (node metadata), and that
// published value is its claim the next time anyone computes the map; a restarted node that
// kept its state claims the same subnet again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/node_id.h"
#include "common/result.h"
#include "overlay/ipv4.h"

namespace shoal {

struct SubnetPoolConfig {
  // 10.200.0.0/16: a private range unlikely to clash with a host LAN (those favour
  // 10.0-10.10, 172.16, 192.168) and large enough for 256 nodes at /24.
  Ipv4Prefix pool{Ipv4{0x0AC80000}, 16};
  // /24 per node: 253 task addresses (.0 is the VXLAN gateway address, .1 the bridge, .255
  // broadcast) is ample per host, as in Docker's and flannel's defaults.
  std::uint8_t node_prefix_length = 24;
};

struct SubnetMember {
  NodeId id;
  std::uint64_t join_order = 0;            // agreed join time (e.g. HLC ms of its first alive)
  std::optional<Ipv4Prefix> claimed;       // subnet the node published, if any
};

struct SubnetAssignment {
  std::map<NodeId, Ipv4Prefix> subnet_of;
  std::vector<NodeId> unplaced;  // pool exhausted: these nodes get no overlay until one leaves
};

// Errors only on a bad config (node prefix shorter than the pool's).
Result<SubnetAssignment> assign_subnets(const SubnetPoolConfig& config,
                                        const std::vector<SubnetMember>& members);

}  // namespace shoal
