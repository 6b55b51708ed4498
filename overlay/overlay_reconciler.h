// Keeps the kernel's overlay entries equal to the desired peer set. Level-triggered: call
// reconcile() with the full desired peer map whenever membership changes; only the difference
// touches the kernel (see overlay_plan.h). A peer whose ops failed part-way is remembered as
// "unknown" and fully re-applied next time (every op is idempotent), so a transient netlink
// error heals on the next reconcile.
#pragma once

#include <vector>

#include "overlay/netlink.h"
#include "overlay/overlay_plan.h"

namespace shoal {

class OverlayReconciler {
 public:
  explicit OverlayReconciler(OverlayConfig config) : config_(std::move(config)) {}

  // Creates this node's VXLAN device (VNI, local underlay, nolearning, MTU, VTEP MAC from the
  // subnet) and bridge, addresses them (VXLAN: subnet .0/32; bridge: .1/len) and sets them up.
  // Existing links of the same names are deleted first (shoal owns those names).
  Status setup_node(Netlink& netlink, Ipv4 underlay, const Ipv4Prefix& own_subnet);
  // Deletes this node's devices (the kernel drops their FDB/neighbour/route entries with them).
  Status teardown_node(Netlink& netlink);

  // Applies the difference between what was applied and `desired` (peers other than this
  // node). Returns the first error; peers that succeeded are applied regardless.
  Status reconcile(Netlink& netlink, const PeerMap& desired);

  const PeerMap& applied() const { return applied_; }
  const OverlayConfig& config() const { return config_; }

 private:
  OverlayConfig config_;
  PeerMap applied_;
};

// One task's network: a veth pair whose host end joins the bridge and whose other end becomes
// `eth0` in the task's namespace with `address`, default route via the bridge.
struct TaskNetwork {
  std::string host_ifname;   // host end, e.g. "sh" + short task id (<= 15 bytes)
  std::string temp_ifname;   // task end before it moves (must be unique on the host)
  Ipv4 address;              // from this node's subnet
  Ipv4Prefix subnet;         // this node's subnet
};

// Host side: creates the pair, enslaves the host end to the bridge, moves the task end into
// the namespace open as `netns_fd`.
Status attach_task_host_side(Netlink& host, const OverlayConfig& config, const TaskNetwork& task,
                             int netns_fd);
// Task side (a Netlink opened in the task's namespace): names it eth0, addresses it, sets lo
// and eth0 up and routes everything via the bridge (address /32, gateway on-link: see the .cc).
Status configure_task_side(Netlink& task_ns, const TaskNetwork& task);

}  // namespace shoal
