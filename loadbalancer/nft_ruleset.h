// The nftables ruleset shoal keeps, as a pure model (no kernel): which element changes apply a
// list of LbOps. The kernel side is fixed at reset; afterwards only map elements change (plus
// one shared chain the first time any service reaches a new backend count):
//
//   table ip shoal {
//     map services { type ipv4_addr . inet_proto . inet_service : verdict }
//         # VIP . proto . port -> goto pick_<N> (N = its backend count), or drop when N = 0
//     map backends { type ipv4_addr . inet_proto . inet_service . mark : ipv4_addr . inet_service }
//         # VIP . proto . port . slot (0..N-1) -> backend address . port
//     chain prerouting  { type nat hook prerouting priority dstnat; ip daddr . meta l4proto . th dport vmap @services
//                         ip daddr . 0 . 0 vmap @services }       # catch-all: every other protocol and port
//     chain output      { type nat hook output priority -100; (same) }     # locally started traffic
//     chain postrouting { type nat hook postrouting priority srcnat;
//                         oifname "shoal-vx" ip saddr != 10.200.0.0/16 masquerade }   # routing mesh
//     chain pick_<N> { dnat ip to ip daddr . meta l4proto . th dport . numgen random mod N map @backends }
//     chain anypick_<N> { dnat ip to ip daddr . 0 . 0 . numgen random mod N map @backends }
//   }
//
// A catch-all service (ServiceKey {VIP, kAny, 0}: a VIP forwards every port of its tasks, as
// swarm's VIPs do) lives in the same maps under protocol 0, port 0. The second lookup rule sees only what the first
// did not match, so a service's explicit ports keep their own backends; its pick chain is
// anypick_<N>, which DNATs the address only, so the packet keeps its destination port.
//
// nftables has no per-element modulus, so the backend count lives in the verdict: every service
// with N backends jumps to the one shared chain pick_<N>, whose single rule picks slot
// `numgen random mod N` (or a jhash of the client's address and port) and looks the backend up
// under the packet's own VIP . proto . port . slot. Hence one endpoint change never touches a
// rule: adding a backend adds one `backends` element and replaces the service's `services`
// element (goto pick_N -> goto pick_N+1); removing slot i moves the last backend into i (one
// element replaced, one deleted) and replaces the service's element. Chains pick_1..pick_64
// (LbConfig::nft_pick_chains_at_reset) are made at reset; a larger count makes its chain on
// first use, kept until the next reset.
//
// kube-proxy's nftables mode instead gives every service its own chain whose one rule holds an
// anonymous `numgen random mod N vmap { 0 : goto endpoint-chain, ... }`, so an endpoint change
// rewrites that rule (O(endpoints of the service)) and adds or deletes an endpoint chain.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "loadbalancer/lb_types.h"

namespace shoal {

// A shared pick chain: pick_<count>, or anypick_<count> for catch-all services.
struct NftPickChain {
  bool catch_all = false;
  std::uint32_t count = 0;
  auto operator<=>(const NftPickChain&) const = default;
  bool operator==(const NftPickChain&) const = default;
};

// Key of one `backends` element: the service and a slot index in 0..N-1.
struct NftSlot {
  ServiceKey service;
  std::uint32_t index = 0;
  auto operator<=>(const NftSlot&) const = default;
  bool operator==(const NftSlot&) const = default;
};

// The kernel changes one apply() makes, in the order the batch carries them: new pick chains,
// then deletions, then additions (a replaced element is a delete plus an add of the same key,
// which one nftables transaction allows).
struct NftChanges {
  std::vector<NftPickChain> new_pick_chains;  // chains first needed by this apply
  std::vector<ServiceKey> service_deletes;
  std::vector<NftSlot> slot_deletes;
  std::vector<std::pair<NftSlot, Backend>> slot_adds;
  std::vector<std::pair<ServiceKey, std::uint32_t>> service_adds;  // -> backend count (0: drop)
  // The touched services' slot tables before the ops (nullopt: not programmed), for revert().
  std::map<ServiceKey, std::optional<std::vector<Backend>>> before;

  std::size_t element_count() const {
    return service_deletes.size() + slot_deletes.size() + slot_adds.size() + service_adds.size();
  }
  bool empty() const { return new_pick_chains.empty() && element_count() == 0; }
};

class NftRuleset {
 public:
  // Forgets every service (the table is about to be made anew, empty) and records that the
  // reset makes chains pick_1..pick_<pick_chains> and anypick_1..anypick_<pick_chains>.
  void reset(std::uint32_t pick_chains);
  // The changes that apply `ops` in order, and this model updated as if they succeeded
  // (callers keep a copy to restore when the kernel refuses them).
  NftChanges plan(const std::vector<LbOp>& ops);
  // Undoes the plan() that returned `changes` (the kernel refused them). Costs only the
  // services it touched, so a failed small change does not copy the whole model.
  void revert(const NftChanges& changes);

  // Slot -> backend of one service; nullptr if the service is not programmed.
  const std::vector<Backend>* slots(const ServiceKey& key) const;
  const std::set<NftPickChain>& pick_chains() const { return pick_chains_; }

 private:
  void diff_service(const ServiceKey& key, const std::vector<Backend>* before, NftChanges& out);

  std::map<ServiceKey, std::vector<Backend>> slots_;
  std::set<NftPickChain> pick_chains_;
};

}  // namespace shoal
