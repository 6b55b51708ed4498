// What the dataplane should look like, computed from membership and the desired state alone
// (pure, so every node derives the same subnets and VIPs, and tests need no kernel):
//   - each live node's task subnet (overlay/subnet_allocator.h: claims from node metadata,
//     ordered by first start) and underlay address: the overlay peers;
//   - each service's effective VIP (loadbalancer/vip_allocator.h: the VIP stored with the
//     service is its claim, ordered by creation);
//   - the load balancer's state: per published port, VIP:TARGET and (routing mesh) this node's
//     UNDERLAY:PUBLISHED, both balanced over the service's healthy tasks on live nodes;
//   - the DNS table: NAME -> VIP, tasks.NAME -> the same healthy task addresses.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/node_id.h"
#include "crdt/desired_state.h"
#include "loadbalancer/dns_responder.h"
#include "loadbalancer/lb_config.h"
#include "loadbalancer/lb_types.h"
#include "membership/swim.h"
#include "overlay/overlay_plan.h"
#include "overlay/subnet_allocator.h"

namespace shoal {

// A live node as the dataplane sees it (from its gossiped metadata).
struct NetworkNode {
  NodeId id;
  Ipv4 underlay;
  std::optional<Ipv4Prefix> claimed;  // the subnet it published, if any
  std::uint64_t first_start_ms = 0;
};

// Alive and suspect members whose metadata names a usable underlay address (members that are
// failed or left hold no subnet: their tasks are rescheduled anyway).
std::vector<NetworkNode> network_nodes(const std::vector<membership::Member>& members);

struct NetworkView {
  PeerMap nodes;                      // every node that got a subnet, this one included
  std::vector<NodeId> unplaced_nodes; // subnet pool exhausted
  std::map<std::string, Ipv4> vip_of; // effective VIP per service
  LbState lb;
  DnsTable dns;
};

// Defaults from OverlayConfig and LbConfig; every node of a cluster must use the same pools.
struct NetworkPools {
  SubnetPoolConfig subnets;
  Ipv4Prefix vip_pool = LbConfig{}.vip_pool;
};

// `self_underlay`: this node's address for routing-mesh keys (none: no mesh entries).
// Errors only on a bad pool configuration (checked at agent start).
Result<NetworkView> compute_network_view(const NetworkPools& pools, const std::vector<NetworkNode>& nodes,
                                         const crdt::DesiredState& state, std::optional<Ipv4> self_underlay);

// The VIP a new service gets, given the services that exist (their claims win).
Result<Ipv4> pick_vip_for_new_service(const Ipv4Prefix& vip_pool, const crdt::DesiredState& state,
                                      const std::string& name, std::uint64_t created_ms);

}  // namespace shoal
