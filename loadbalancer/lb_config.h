// Every knob of the load balancer, with its default and why.
#pragma once

#include <cstdint>
#include <string>

#include "overlay/ipv4.h"

namespace shoal {

enum class LbBackendKind : std::uint8_t { kIpvs, kNftables };
enum class NftSelector : std::uint8_t { kRandom, kJhash };

struct LbConfig {
  // VIP pool. 10.96.0.0/16 is Kubernetes' default service range: operators recognise it, and
  // 65,534 VIPs exceed any cluster's service count. Clients need a route to it (any route: DNAT
  // happens before the routing decision leaves the node).
  Ipv4Prefix vip_pool{Ipv4{0x0A600000}, 16};
  // nftables works on every kernel shoal targets and needs no module; IPVS is the fallback for
  // operators who want `ipvsadm` visibility.
  LbBackendKind backend = LbBackendKind::kNftables;

  // IPVS scheduler. "mh" (Maglev hashing, kernel >= 4.18) keeps most flows on their backend when
  // the backend set changes (Eisenbud et al., NSDI 2016); "rr" where mh is missing.
  std::string ipvs_scheduler = "mh";
  // With mh, hash the source port too (IP_VS_SVC_F_SCHED_MH_PORT): otherwise one client's
  // connections all land on one backend (measured in the VM, see ENVIRONMENT.md).
  bool ipvs_mh_port = true;
  // A VIP forwards every port (the catch-all ServiceKey; IPVS gets one service per protocol,
  // tcp and udp). IPVS serves port 0 only for a persistent
  // service, so with IPVS a client's connections to a VIP's unpublished ports go to one task
  // while it keeps connecting, and for this long after (kube-proxy's sessionAffinity: ClientIP).
  // 1 s is the shortest IPVS takes: affinity no longer than the client's own activity. Ports
  // named by --publish are services of their own and balance every connection. (nftables
  // balances every connection on every port; it needs no persistence.)
  std::uint32_t ipvs_catch_all_persistence_s = 1;

  // nftables table shoal owns (created and deleted whole; nothing else of the host's touched).
  std::string nft_table = "shoal";
  // numgen random spreads each new connection uniformly (conntrack keeps the flow pinned), as
  // kube-proxy's nftables mode does; jhash of source address and port is deterministic per flow.
  NftSelector nft_selector = NftSelector::kRandom;
  // Seed of the jhash selector; fixed so every node maps a flow to the same backend index.
  std::uint32_t nft_jhash_seed = 0x5e0a1;
  // Chains pick_1..pick_<this> (one per backend count, see nft_ruleset.h) are made at reset, so
  // an endpoint change of a service with up to this many backends changes map elements only.
  // A count beyond it makes its chain on first use: measured at 10k services x 10 backends, a
  // transaction that adds a chain costs ~11-20 ms against ~0.7 ms for elements only (the kernel
  // revalidates the jumps into it). 64 chains cost ~30 KB of kernel memory and cover the
  // replica counts services commonly run with.
  std::uint32_t nft_pick_chains_at_reset = 64;

  // Routing mesh. A published port is a service whose VIP is this node's underlay address; its
  // backends may sit on other nodes, reached over the overlay. Their replies must come back
  // through this node (which holds the conntrack entry that undoes the DNAT), but the backend's
  // node would route a reply to an outside client straight out of its own underlay. So packets
  // leaving through the overlay device with a source outside the overlay pool are masqueraded
  // to this node's overlay address (`oifname overlay_ifname ip saddr != overlay_pool
  // masquerade`). Traffic between tasks keeps its source (it is already inside the pool), so
  // backends still see task addresses. Docker swarm's ingress network does the same SNAT.
  // Both must match overlay/: its default pool (issue 7) and its VXLAN device name
  // (OverlayConfig::vxlan_name). An empty overlay_ifname leaves the masquerade rule out.
  Ipv4Prefix overlay_pool{Ipv4{0x0AC80000}, 16};
  std::string overlay_ifname = "shoal-vx";
};

}  // namespace shoal
