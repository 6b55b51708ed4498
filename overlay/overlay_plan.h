// The overlay as data: which kernel entries a node needs for each peer, and the pure diff from
// what is programmed to what should be. Per peer (flannel's VXLAN scheme, RFC 7348 unicast):
//   - peer gateway G = first address of the peer's subnet (.0), held on the peer's VXLAN device;
//   - peer VTEP MAC M = derived from G (02:53:G), so no MAC needs gossiping;
//   - FDB 00:00:00:00:00:00 dst UNDERLAY (append): broadcast/unknown frames reach the peer;
//   - FDB M dst UNDERLAY: frames for the peer's VTEP go to its underlay address only;
//   - neighbour G -> M: no ARP across the overlay;
//   - route SUBNET via G dev VXLAN onlink.
// A peer that joins adds exactly its entries, one that leaves removes exactly its entries, one
// whose underlay address or subnet changed has its old entries removed and new ones added.
#pragma once

#include <map>
#include <variant>
#include <vector>

#include "common/node_id.h"
#include "overlay/netlink.h"
#include "overlay/overlay_config.h"

namespace shoal {

struct OverlayPeer {
  Ipv4 underlay;
  Ipv4Prefix subnet;
  auto operator<=>(const OverlayPeer&) const = default;
  bool operator==(const OverlayPeer&) const = default;
};

using PeerMap = std::map<NodeId, OverlayPeer>;

// The VXLAN gateway address of a node subnet (its .0) and the VTEP MAC derived from it.
Ipv4 vxlan_gateway(const Ipv4Prefix& subnet);
MacAddr vtep_mac(const Ipv4Prefix& subnet);
// The bridge (tasks' default gateway) address: the subnet's .1.
Ipv4 bridge_gateway(const Ipv4Prefix& subnet);

struct FdbEntry {
  MacAddr mac;
  Ipv4 dst;
  auto operator<=>(const FdbEntry&) const = default;
  bool operator==(const FdbEntry&) const = default;
};
struct NeighEntry {
  Ipv4 ip;
  MacAddr mac;
  auto operator<=>(const NeighEntry&) const = default;
  bool operator==(const NeighEntry&) const = default;
};

struct AddFdb { FdbEntry entry; bool operator==(const AddFdb&) const = default; };
struct DelFdb { FdbEntry entry; bool operator==(const DelFdb&) const = default; };
struct AddNeigh { NeighEntry entry; bool operator==(const AddNeigh&) const = default; };
struct DelNeigh { NeighEntry entry; bool operator==(const DelNeigh&) const = default; };
struct AddRoute { Route route; bool operator==(const AddRoute&) const = default; };
struct DelRoute { Route route; bool operator==(const DelRoute&) const = default; };
using OverlayOp = std::variant<AddFdb, DelFdb, AddNeigh, DelNeigh, AddRoute, DelRoute>;

struct PeerOps {
  NodeId peer;
  std::vector<OverlayOp> ops;  // in the order they must run
};

// Ops that make one peer present (add) or absent (remove): adds go FDB, neighbour, route so a
// route never points at an unresolvable gateway; removes run in the reverse order.
std::vector<OverlayOp> peer_add_ops(const OverlayConfig& config, const OverlayPeer& peer);
std::vector<OverlayOp> peer_remove_ops(const OverlayConfig& config, const OverlayPeer& peer);

// The diff, grouped by peer, in NodeId order (deterministic). Peers unchanged produce nothing.
std::vector<PeerOps> plan_overlay(const OverlayConfig& config, const PeerMap& current,
                                  const PeerMap& desired);

// Runs one op against the kernel seam.
Status apply_op(Netlink& netlink, const OverlayConfig& config, const OverlayOp& op);

}  // namespace shoal
