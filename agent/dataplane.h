// The agent's dataplane shell: programs this node from a NetworkView (agent/network_view.h).
// Owns the kernel side: the VXLAN device and bridge (overlay/), one named network namespace +
// veth + address per task, the load balancer (IPVS or nftables, chosen at open), and the DNS
// responder's UDP socket on the bridge address (what tasks get as their nameserver).
// Level-triggered: apply(view) after any change converges the kernel on the view; every step
// is idempotent, so a failed step is retried by the next apply.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/network_view.h"
#include "loadbalancer/lb_backend.h"
#include "loadbalancer/lb_config.h"
#include "overlay/mnl_netlink.h"
#include "overlay/overlay_reconciler.h"

namespace shoal {

struct DataplaneConfig {
  OverlayConfig overlay;
  LbConfig lb;
  DnsConfig dns;
  // "auto" (default): IPVS when the kernel has it, else nftables, as the issue asks of real
  // hosts; "ipvs" / "nftables" force one (an unavailable forced backend fails the start).
  std::string lb_kind = "auto";
  std::string state_dir;  // netns files, task address files, resolv.conf, this node's claim
};

// What a task needs from the dataplane to start.
struct TaskNet {
  std::string netns_path;
  std::string resolv_conf;
  Ipv4 address;
};

class Dataplane {
 public:
  static Result<std::unique_ptr<Dataplane>> open(boost::asio::io_context& io, DataplaneConfig config,
                                                 NodeId self, Ipv4 underlay, std::uint64_t now_ms);
  ~Dataplane();

  // For this node's metadata: its subnet claim ("" = none yet) and first start (persisted in
  // state_dir).
  std::string claimed_subnet() const;
  std::uint64_t first_start_ms() const { return first_start_ms_; }
  NetworkPools pools() const { return {config_.overlay.subnets, config_.lb.vip_pool}; }
  Ipv4 underlay() const { return underlay_; }
  const char* lb_name() const { return lb_backend_->name(); }

  // Converges the kernel on `view`. Returns true when this node's subnet claim changed (the
  // caller republishes metadata). Errors are logged and retried on the next call.
  bool apply(const NetworkView& view);
  bool ready() const { return own_subnet_.has_value(); }

  // A fresh namespace with eth0 on the bridge and the next free address of this node's subnet.
  Result<TaskNet> attach_task(const std::string& task_id);
  // A task that survived an agent restart: its address is read back, its veth re-joined to the
  // (re-created) bridge.
  void adopt_task(const std::string& task_id);
  void release_task(const std::string& task_id);
  std::string address_of(const std::string& task_id) const;

  // Graceful stop: the load-balancer table and this node's devices are removed.
  void shutdown();

  // Use open(); public only so it needs no raw new.
  Dataplane(boost::asio::io_context& io, DataplaneConfig config, NodeId self, Ipv4 underlay);

 private:
  Status load_claim(std::uint64_t now_ms);
  Status save_claim() const;
  Status setup_node(const Ipv4Prefix& subnet);
  Status sync_local_vips(const NetworkView& view);
  void start_dns();
  void receive_dns();
  std::string netns_path(const std::string& task_id) const;
  std::string address_file(const std::string& task_id) const;

  boost::asio::io_context& io_;
  DataplaneConfig config_;
  NodeId self_;
  Ipv4 underlay_;
  std::uint64_t first_start_ms_ = 0;
  std::optional<Ipv4Prefix> claim_;       // persisted
  std::optional<Ipv4Prefix> own_subnet_;  // set up in the kernel
  std::set<Ipv4> local_vips_;             // IPVS mode: VIPs this agent put on the bridge
  std::unique_ptr<MnlNetlink> netlink_;
  OverlayReconciler overlay_;
  std::unique_ptr<LbBackend> lb_backend_;
  std::unique_ptr<LoadBalancer> lb_;
  DnsTable dns_table_;
  std::optional<boost::asio::ip::udp::socket> dns_socket_;
  std::array<std::uint8_t, 512> dns_buffer_{};
  boost::asio::ip::udp::endpoint dns_peer_;
  std::map<std::string, Ipv4> task_address_;
  std::string last_error_;  // logged once per distinct error
};

}  // namespace shoal
