// API verbs on the running workload: service ps, service logs, and the progress query the CLI
// polls while it waits for a create/scale/update/rollback to converge.
#include "agent/agent_impl.h"
#include "agent/command_util.h"
#include "agent/table.h"
#include "agent/task_rows.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "placement/place.h"

namespace shoal {

namespace {

std::string age(std::uint64_t now, std::uint64_t since_ms) {
  std::uint64_t s = now > since_ms ? (now - since_ms) / 1000 : 0;
  if (s < 60) return std::to_string(s) + " seconds ago";
  if (s < 3600) return std::to_string(s / 60) + " minutes ago";
  return std::to_string(s / 3600) + " hours ago";
}

}  // namespace

// One row per placed task (its status on the assigned node, or pending with a reason), then the
// tasks of that slot elsewhere (shutting down after a move), as `docker service ps` shows
// history. Rows are keyed by (slot, node): a global service has one task per node, all in
// status slot 0.
std::vector<PsRow> ps_rows(const crdt::DesiredState& state, const placement::Assignment& a,
                           const std::map<std::string, ServicePlan>& plans, const std::string& name) {
  std::vector<PsRow> rows;
  auto si = a.service_index(name);
  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> placed;  // (status slot, node) -> placement slot
  if (si)
    for (const auto& t : a.tasks)
      if (t.service == *si) placed[{status_slot(t.slot), a.nodes[t.node].name}] = t.slot;
  std::map<std::uint32_t, std::string> pending;
  if (si)
    for (const auto& u : a.unplaced)
      if (u.service == *si) pending[status_slot(u.slot)] = u.reason;
  std::map<std::pair<std::uint32_t, std::string>, const crdt::TaskStatus*> reported;  // (slot, runner)
  for (const auto& [runner, task] : state.all_tasks())
    if (task->service == name) reported[{task->slot, runner.name}] = task;
  auto plan = plans.find(name);
  for (const auto& [key, placement_slot] : placed) {
    const auto& [slot, node] = key;
    PsRow r{"", name, node, "running", "assigned", "", slot, 0, 0};
    r.version = plan == plans.end() ? 0 : plan->second.version_for(placement_slot, NodeId{node});
    if (auto it = reported.find(key); it != reported.end()) {
      const crdt::TaskStatus* t = it->second;
      r.state = crdt::to_string(t->state);
      r.error = t->error;
      r.version = t->spec_version;
      r.since_ms = t->since_ms;
    }
    r.id = name + "." + std::to_string(slot) + "." + std::to_string(r.version) + "@" + node;
    rows.push_back(r);
  }
  for (const auto& [slot, reason] : pending)
    rows.push_back({name + "." + std::to_string(slot), name, "", "running", "pending", reason, slot, 0, 0});
  for (const auto& [key, t] : reported) {
    if (placed.count(key)) continue;
    const auto& [slot, runner] = key;
    rows.push_back({name + "." + std::to_string(slot) + "." + std::to_string(t->spec_version) + "@" + runner,
                    name, runner, "shutdown", crdt::to_string(t->state), t->error, slot, t->spec_version,
                    t->since_ms});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const PsRow& x, const PsRow& y) { return x.slot < y.slot; });
  return rows;
}

namespace {

const char* phase_name(placement::UpdatePhase p) {
  switch (p) {
    case placement::UpdatePhase::kUpdating: return "updating";
    case placement::UpdatePhase::kPaused: return "paused";
    case placement::UpdatePhase::kRollingBack: return "rolling_back";
    case placement::UpdatePhase::kMonitoring: return "monitoring";
    case placement::UpdatePhase::kCompleted: return "completed";
  }
  return "unknown";
}

}  // namespace

ApiResponse Agent::service_ps(const ParsedFlags& f) {
  if (f.positional.empty()) return fail("service ps: give a service NAME", 2);
  auto json = want_json(f);
  if (!json) return fail(json.message(), 2);
  const auto& state = core_->state();
  placement::Assignment a = current_assignment();
  auto plans = plan_services(a, state, now().wall_ms);
  JsonWriter j;
  j.begin_array();
  std::vector<std::vector<std::string>> table{{"ID", "NAME", "NODE", "DESIRED", "CURRENT STATE", "ERROR"}};
  for (const auto& name : f.positional) {
    if (!state.service(name)) return fail("service ps: no service named " + name);
    for (const PsRow& r : ps_rows(state, a, plans, name)) {
      j.begin_object().field("id", r.id).field("service", r.service).field("slot", static_cast<std::uint64_t>(r.slot))
          .field("node", r.node).field("desired", r.desired).field("state", r.state).field("error", r.error)
          .field("version", r.version).field("since_ms", r.since_ms).end_object();
      std::string current = r.state + (r.since_ms ? " " + age(now().wall_ms, r.since_ms) : "");
      table.push_back({r.id, r.service + "." + std::to_string(r.slot), r.node.empty() ? "-" : r.node, r.desired,
                       current, r.error.empty() ? "" : "\"" + r.error + "\""});
    }
  }
  j.end_array();
  return ok(*json ? j.str() + "\n" : render_table(table));
}

// {service, version, desired, ready (running/healthy on the current version), phase, message}:
// what `shoal service create|update|...` polls to draw progress and decide when it is done.
ApiResponse Agent::service_progress(const ParsedFlags& f) {
  if (f.positional.size() != 1) return fail("service progress: give a service NAME", 2);
  const std::string& name = f.positional[0];
  const auto& state = core_->state();
  const crdt::Service* svc = state.service(name);
  JsonWriter j;
  if (!svc) {
    j.begin_object().field("service", name).field("removed", true).end_object();
    return ok(j.str() + "\n");
  }
  placement::Assignment a = current_assignment();
  auto plans = plan_services(a, state, now().wall_ms);
  std::uint64_t desired = 0, ready = 0, pending = 0;
  std::string first_error;
  for (const PsRow& r : ps_rows(state, a, plans, name)) {
    if (r.desired != "running") continue;
    ++desired;
    if (r.state == "pending") {
      ++pending;
      if (first_error.empty()) first_error = r.error;
    } else if (r.version == svc->version && (r.state == "running" || r.state == "healthy")) {
      ++ready;
    } else if (r.state == "failed" && first_error.empty()) {
      first_error = r.error;
    }
  }
  const ServicePlan& plan = plans.at(name);
  std::string phase = plan.update ? phase_name(plan.update->phase) : (ready == desired ? "completed" : "converging");
  j.begin_object().field("service", name).field("version", svc->version).field("desired", desired)
      .field("ready", ready).field("pending", pending).field("phase", phase).field("message", first_error)
      .end_object();
  return ok(j.str() + "\n");
}

}  // namespace shoal
