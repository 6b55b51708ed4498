// The agent's side of the dataplane: opens it (--network overlay), feeds it the network view
// computed from membership and the desired state on every change, and gives tasks their
// network namespaces (workload.cc calls in here).
#include <algorithm>

#include "agent/agent_impl.h"
#include "common/log.h"

namespace shoal {

Status Agent::open_dataplane() {
  if (config_.network != "overlay") return {};
  auto advertise = split_host_port(config_.advertise, "--advertise");
  auto underlay = parse_ipv4(advertise->first);
  if (!underlay)
    return make_error("--network overlay needs an IPv4 --advertise address (the VXLAN underlay), not '" +
                      advertise->first + "'");
  DataplaneConfig dc;
  dc.lb_kind = config_.lb;
  dc.state_dir = config_.data_dir + "/net";
  auto dp = Dataplane::open(io_, dc, NodeId{config_.name}, *underlay, now().wall_ms);
  if (!dp) return make_error("--network overlay: " + dp.message());
  dataplane_ = std::move(*dp);
  log_info("dataplane: overlay on " + to_string(*underlay) + ", load balancer " + dataplane_->lb_name());
  return {};
}

std::optional<NetworkView> Agent::network_view() const {
  if (!dataplane_ || !swim_) return std::nullopt;
  auto view = compute_network_view(dataplane_->pools(), network_nodes(swim_->members()), core_->state(),
                                   dataplane_->underlay());
  if (!view) return std::nullopt;
  return std::move(*view);
}

void Agent::refresh_network() {
  auto view = network_view();
  if (!view) return;
  const bool unplaced = std::find(view->unplaced_nodes.begin(), view->unplaced_nodes.end(),
                                  NodeId{config_.name}) != view->unplaced_nodes.end();
  if (unplaced && !subnet_pool_exhausted_logged_)
    log_warning("dataplane: the overlay subnet pool is exhausted: this node gets no subnet and starts no "
             "tasks until another node leaves");
  subnet_pool_exhausted_logged_ = unplaced;
  if (dataplane_->apply(*view)) {
    // This node got (or changed) its subnet: publish the claim so every node keeps it there.
    log_info("dataplane: this node's task subnet is " + dataplane_->claimed_subnet());
    if (auto st = swim_->update_meta(now().mono_ms, build_meta()); !st)
      log_warning("dataplane: cannot publish the subnet claim: " + st.message());
  }
}

// At start: tasks that outlived the previous agent keep their namespaces and addresses (the
// runtime lists exactly those now; every later task gets its network from attach_task).
void Agent::adopt_task_networks() {
  if (!dataplane_ || !runtime_) return;
  for (const auto& st : runtime_->list()) dataplane_->adopt_task(st.id);
}

}  // namespace shoal
