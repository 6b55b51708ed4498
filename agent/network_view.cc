#include "agent/network_view.h"

#include <algorithm>

#include "loadbalancer/vip_allocator.h"

namespace shoal {

namespace {

bool serves_traffic(crdt::TaskState s) { return s == crdt::TaskState::kHealthy; }

Protocol lb_protocol(crdt::PortProtocol p) {
  return p == crdt::PortProtocol::kUdp ? Protocol::kUdp : Protocol::kTcp;
}

std::vector<VipClaimant> vip_claimants(const crdt::DesiredState& state) {
  std::vector<VipClaimant> out;
  for (const crdt::Service* svc : state.all_services()) {
    VipClaimant c{svc->name, svc->created_ms, std::nullopt};
    if (auto ip = parse_ipv4(svc->vip); ip) c.claimed = *ip;
    out.push_back(std::move(c));
  }
  return out;
}

// A task that is about to stop gets no new connections, as in swarm: its slot was scaled away,
// or its node is draining (the replacement starts elsewhere). Waiting for the stop to be
// reported would add a reconcile, a SIGTERM and a gossip round to every scale-down.
bool leaving(const crdt::DesiredState& state, const NodeId& node, const crdt::TaskStatus& task) {
  const crdt::Service* svc = state.service(task.service);
  if (svc == nullptr) return true;
  if (svc->spec.mode == crdt::ServiceMode::kReplicated && task.slot >= svc->spec.replicas) return true;
  return state.availability_of(node) == crdt::Availability::kDrain;
}

// Healthy task addresses per service, from tasks reported by live nodes only (a failed node's
// last report may still say healthy).
std::map<std::string, std::set<Ipv4>> healthy_addresses(const crdt::DesiredState& state,
                                                        const PeerMap& live) {
  std::map<std::string, std::set<Ipv4>> out;
  for (const auto& [node, task] : state.all_tasks()) {
    if (!live.contains(node) || !serves_traffic(task->state) || leaving(state, node, *task)) continue;
    auto ip = parse_ipv4(task->address);
    if (ip) out[task->service].insert(*ip);
  }
  return out;
}

}  // namespace

std::vector<NetworkNode> network_nodes(const std::vector<membership::Member>& members) {
  std::vector<NetworkNode> out;
  for (const auto& m : members) {
    if (m.status != membership::MemberStatus::kAlive && m.status != membership::MemberStatus::kSuspect) continue;
    if (m.meta.addresses.empty()) continue;
    auto underlay = parse_ipv4(m.meta.addresses.front());
    if (!underlay) continue;
    NetworkNode n{m.id, *underlay, std::nullopt, m.meta.first_start_ms};
    if (auto claimed = parse_prefix(m.meta.overlay_subnet); claimed) n.claimed = *claimed;
    out.push_back(std::move(n));
  }
  return out;
}

Result<NetworkView> compute_network_view(const NetworkPools& pools, const std::vector<NetworkNode>& nodes,
                                         const crdt::DesiredState& state, std::optional<Ipv4> self_underlay) {
  NetworkView view;
  std::vector<SubnetMember> members;
  std::map<NodeId, Ipv4> underlay_of;
  for (const auto& n : nodes) {
    members.push_back({n.id, n.first_start_ms, n.claimed});
    underlay_of[n.id] = n.underlay;
  }
  auto subnets = assign_subnets(pools.subnets, members);
  if (!subnets) return subnets.error();
  for (const auto& [id, subnet] : subnets->subnet_of) view.nodes[id] = OverlayPeer{underlay_of.at(id), subnet};
  view.unplaced_nodes = subnets->unplaced;

  auto vips = assign_vips(pools.vip_pool, vip_claimants(state));
  if (!vips) return vips.error();
  view.vip_of = vips->vip_of;

  auto healthy = healthy_addresses(state, view.nodes);
  for (const crdt::Service* svc : state.all_services()) {
    auto vip = view.vip_of.find(svc->name);
    if (vip == view.vip_of.end()) continue;
    view.dns.set_service(svc->name, vip->second);
    const std::set<Ipv4>& addrs = healthy[svc->name];
    view.dns.set_tasks(svc->name, std::vector<Ipv4>(addrs.begin(), addrs.end()));
    // The VIP forwards every port to the tasks (as swarm's VIPs do, so `db:5432` works without
    // publishing anything): the catch-all key, whose backends keep the packet's port.
    BackendSet& any_port = view.lb[ServiceKey{vip->second, Protocol::kAny, 0}];
    for (Ipv4 a : addrs) any_port.insert(Backend{a, 0});
    for (const auto& port : svc->spec.ports) {
      BackendSet backends;
      for (Ipv4 a : addrs) backends.insert(Backend{a, port.target});
      view.lb[ServiceKey{vip->second, lb_protocol(port.protocol), port.target}] = backends;
      if (self_underlay && port.published != 0)
        view.lb[ServiceKey{*self_underlay, lb_protocol(port.protocol), port.published}] = backends;
    }
  }
  return view;
}

Result<Ipv4> pick_vip_for_new_service(const Ipv4Prefix& vip_pool, const crdt::DesiredState& state,
                                      const std::string& name, std::uint64_t created_ms) {
  auto claimants = vip_claimants(state);
  claimants.push_back({name, created_ms, std::nullopt});
  auto vips = assign_vips(vip_pool, claimants);
  if (!vips) return vips.error();
  auto it = vips->vip_of.find(name);
  if (it == vips->vip_of.end()) return make_error("the VIP pool " + to_string(vip_pool) + " is exhausted");
  return it->second;
}

}  // namespace shoal
