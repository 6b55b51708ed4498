#include "overlay/overlay_reconciler.h"

namespace shoal {

Status OverlayReconciler::setup_node(Netlink& netlink, Ipv4 underlay, const Ipv4Prefix& own_subnet) {
  if (auto st = teardown_node(netlink); !st) return st;
  VxlanSpec spec{config_.vxlan_name, config_.vni, underlay, config_.vxlan_port, config_.mtu,
                 vtep_mac(own_subnet)};
  if (auto st = netlink.create_vxlan(spec); !st) return st;
  if (auto st = netlink.create_bridge(config_.bridge_name, config_.mtu); !st) return st;
  if (auto st = netlink.add_address(config_.vxlan_name, vxlan_gateway(own_subnet), 32); !st) return st;
  if (auto st = netlink.add_address(config_.bridge_name, bridge_gateway(own_subnet), own_subnet.length); !st)
    return st;
  if (auto st = netlink.set_up(config_.vxlan_name); !st) return st;
  if (auto st = netlink.set_up(config_.bridge_name); !st) return st;
  applied_.clear();  // fresh devices carry no peer entries
  return {};
}

Status OverlayReconciler::teardown_node(Netlink& netlink) {
  if (auto st = netlink.delete_link(config_.vxlan_name); !st) return st;
  if (auto st = netlink.delete_link(config_.bridge_name); !st) return st;
  applied_.clear();
  return {};
}

Status OverlayReconciler::reconcile(Netlink& netlink, const PeerMap& desired) {
  Status first_error;
  for (const auto& peer_ops : plan_overlay(config_, applied_, desired)) {
    Status st;
    for (const auto& op : peer_ops.ops) {
      st = apply_op(netlink, config_, op);
      if (!st) break;
    }
    auto wanted = desired.find(peer_ops.peer);
    if (st) {
      if (wanted == desired.end()) applied_.erase(peer_ops.peer);
      else applied_[peer_ops.peer] = wanted->second;
      continue;
    }
    // Partly applied: forget it so the next pass re-runs its ops in full. For a peer being
    // removed, keep it so the removal is retried.
    if (wanted != desired.end()) applied_.erase(peer_ops.peer);
    if (first_error) first_error = make_error("overlay peer " + peer_ops.peer.name + ": " + st.message());
  }
  return first_error;
}

Status attach_task_host_side(Netlink& host, const OverlayConfig& config, const TaskNetwork& task,
                             int netns_fd) {
  if (auto st = host.create_veth(task.host_ifname, task.temp_ifname, config.mtu); !st) return st;
  if (auto st = host.set_master(task.host_ifname, config.bridge_name); !st) return st;
  if (auto st = host.set_up(task.host_ifname); !st) return st;
  return host.move_to_netns(task.temp_ifname, netns_fd);
}

Status configure_task_side(Netlink& task_ns, const TaskNetwork& task) {
  if (!task.subnet.contains(task.address))
    return make_error("task address " + to_string(task.address) + " is outside " + to_string(task.subnet));
  if (auto st = task_ns.rename_link(task.temp_ifname, "eth0"); !st) return st;
  // A /32 with an on-link gateway, not the subnet's /24: then even traffic to a task on the same
  // bridge goes through the host's IP layer, so a VIP that DNATs to a local task sees the reply
  // come back through the same conntrack entry (with a /24 the reply would be bridged straight
  // to the client, from the task's address instead of the VIP).
  if (auto st = task_ns.add_address("eth0", task.address, 32); !st) return st;
  if (auto st = task_ns.set_up("lo"); !st) return st;
  if (auto st = task_ns.set_up("eth0"); !st) return st;
  return task_ns.replace_route(Route{Ipv4Prefix{}, bridge_gateway(task.subnet), "eth0", true});
}

}  // namespace shoal
