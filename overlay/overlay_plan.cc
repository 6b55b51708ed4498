#include "overlay/overlay_plan.h"

namespace shoal {

Ipv4 vxlan_gateway(const Ipv4Prefix& subnet) { return subnet.addr; }

Ipv4 bridge_gateway(const Ipv4Prefix& subnet) { return subnet.at(1); }

MacAddr vtep_mac(const Ipv4Prefix& subnet) {
  auto ip = vxlan_gateway(subnet).bytes();
  // 0x02: locally administered unicast; 0x53 ('S'): shoal's; then the gateway address, unique
  // per subnet, so every node derives every peer's MAC alone.
  return MacAddr{{0x02, 0x53, ip[0], ip[1], ip[2], ip[3]}};
}

namespace {

constexpr MacAddr kFloodMac{};  // 00:00:00:00:00:00: the default (flood) FDB entry

Route peer_route(const OverlayConfig& config, const OverlayPeer& peer) {
  return Route{peer.subnet, vxlan_gateway(peer.subnet), config.vxlan_name, true};
}

}  // namespace

std::vector<OverlayOp> peer_add_ops(const OverlayConfig& config, const OverlayPeer& peer) {
  return {AddFdb{{kFloodMac, peer.underlay}}, AddFdb{{vtep_mac(peer.subnet), peer.underlay}},
          AddNeigh{{vxlan_gateway(peer.subnet), vtep_mac(peer.subnet)}},
          AddRoute{peer_route(config, peer)}};
}

std::vector<OverlayOp> peer_remove_ops(const OverlayConfig& config, const OverlayPeer& peer) {
  return {DelRoute{peer_route(config, peer)},
          DelNeigh{{vxlan_gateway(peer.subnet), vtep_mac(peer.subnet)}},
          DelFdb{{vtep_mac(peer.subnet), peer.underlay}}, DelFdb{{kFloodMac, peer.underlay}}};
}

std::vector<PeerOps> plan_overlay(const OverlayConfig& config, const PeerMap& current,
                                  const PeerMap& desired) {
  std::vector<PeerOps> plan;
  auto cur = current.begin();
  auto want = desired.begin();
  // Merge walk over two ordered maps: output order is NodeId order, whatever the history.
  while (cur != current.end() || want != desired.end()) {
    if (want == desired.end() || (cur != current.end() && cur->first < want->first)) {
      plan.push_back({cur->first, peer_remove_ops(config, cur->second)});
      ++cur;
    } else if (cur == current.end() || want->first < cur->first) {
      plan.push_back({want->first, peer_add_ops(config, want->second)});
      ++want;
    } else {
      if (cur->second != want->second) {
        PeerOps ops{want->first, peer_remove_ops(config, cur->second)};
        auto adds = peer_add_ops(config, want->second);
        ops.ops.insert(ops.ops.end(), adds.begin(), adds.end());
        plan.push_back(std::move(ops));
      }
      ++cur;
      ++want;
    }
  }
  return plan;
}

Status apply_op(Netlink& netlink, const OverlayConfig& config, const OverlayOp& op) {
  const std::string& dev = config.vxlan_name;
  if (auto* o = std::get_if<AddFdb>(&op)) return netlink.append_fdb(dev, o->entry.mac, o->entry.dst);
  if (auto* o = std::get_if<DelFdb>(&op)) return netlink.delete_fdb(dev, o->entry.mac, o->entry.dst);
  if (auto* o = std::get_if<AddNeigh>(&op)) return netlink.replace_neighbour(dev, o->entry.ip, o->entry.mac);
  if (auto* o = std::get_if<DelNeigh>(&op)) return netlink.delete_neighbour(dev, o->entry.ip);
  if (auto* o = std::get_if<AddRoute>(&op)) return netlink.replace_route(o->route);
  const auto& del = std::get<DelRoute>(op);
  return netlink.delete_route(del.route);
}

}  // namespace shoal
