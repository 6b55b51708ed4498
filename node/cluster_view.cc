#include "node/cluster_view.h"

namespace shoal {

namespace {

placement::UpdateConfig to_placement(const crdt::UpdateConfig& u) {
  placement::UpdateConfig c;
  c.parallelism = u.parallelism;
  c.delay_ms = u.delay_ms;
  c.monitor_ms = u.monitor_ms;
  c.max_failure_ratio = u.max_failure_ratio;
  c.failure_action = u.failure_action;
  c.order = u.order;
  return c;
}

}  // namespace

placement::PlacementInput placement_input(const std::vector<membership::Member>& members,
                                          const crdt::DesiredState& state) {
  placement::PlacementInput in;
  for (const auto& m : members) {
    // Suspect members keep their tasks: moving them on every suspicion would churn.
    bool alive = m.status == membership::MemberStatus::kAlive || m.status == membership::MemberStatus::kSuspect;
    if (!alive) continue;
    in.nodes.push_back({m.id, true, state.availability_of(m.id), m.meta.labels, m.meta.cpu_millis,
                        m.meta.memory_bytes});
  }
  for (const crdt::Service* svc : state.all_services()) {
    placement::Service s;
    s.name = svc->name;
    s.mode = svc->spec.mode;
    s.replicas = svc->spec.replicas;
    s.cpu_millis = svc->spec.reservations.cpu_millis;
    s.memory_bytes = svc->spec.reservations.memory_bytes;
    for (const auto& c : svc->spec.constraints)
      s.constraints.push_back({c.label, c.op, c.value});
    if (!svc->spec.spread_label.empty()) s.spread_label = svc->spec.spread_label;
    in.services.push_back(std::move(s));
  }
  for (const auto& [runner, task] : state.all_tasks())
    if (is_active(task->state)) in.running.push_back({task->service, task->slot, runner});
  return in;
}

std::vector<placement::TaskStatus> placement_status(const crdt::DesiredState& state) {
  std::vector<placement::TaskStatus> out;
  for (const auto& [runner, task] : state.all_tasks()) {
    placement::TaskStatus t;
    t.service = task->service;
    t.slot = task->slot;
    t.node = runner;
    t.spec_version = task->spec_version;
    t.state = task->state;
    t.since_ms = task->since_ms;
    out.push_back(std::move(t));
  }
  return out;
}

std::uint64_t ServicePlan::version_for(std::uint32_t slot, const NodeId& node) const {
  if (update)
    for (const auto& d : update->directives)
      if (d.slot == slot && d.node == node) return d.version;
  return version;
}

std::map<std::string, ServicePlan> plan_services(const placement::Assignment& assignment,
                                                 const crdt::DesiredState& state, std::uint64_t now_ms) {
  std::vector<placement::TaskStatus> status = placement_status(state);
  for (auto& t : status)  // placement names global tasks by node with kGlobalSlot
    if (const crdt::Service* svc = state.service(t.service); svc && svc->spec.mode == crdt::ServiceMode::kGlobal)
      t.slot = placement::kGlobalSlot;
  std::map<std::string, ServicePlan> plans;
  for (const crdt::Service* svc : state.all_services()) {
    ServicePlan plan;
    plan.version = svc->version;
    bool mixed = false;
    for (const auto& t : status)
      if (t.service == svc->name && t.spec_version != svc->version && t.spec_version != 0) mixed = true;
    if (mixed && svc->version > 1) {
      placement::ServiceRevision old_rev{svc->version - 1, to_placement(svc->spec.update)};
      if (svc->previous_spec) old_rev.update = to_placement(svc->previous_spec->update);
      placement::ServiceRevision new_rev{svc->version, to_placement(svc->spec.update)};
      auto up = placement::update_plan(assignment, svc->name, status, old_rev, new_rev, now_ms);
      if (up.ok()) plan.update = std::move(*up);
    }
    plans.emplace(svc->name, std::move(plan));
  }
  return plans;
}

}  // namespace shoal
