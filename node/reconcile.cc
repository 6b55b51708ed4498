#include "node/reconcile.h"

#include <charconv>
#include <set>

namespace shoal {

namespace {

using SlotKey = std::pair<std::string, std::uint32_t>;

// The slots this node owns now, with the version each should run.
std::map<SlotKey, std::uint64_t> owned_slots(const NodeId& self, const placement::Assignment& a,
                                             const std::map<std::string, ServicePlan>& plans) {
  std::map<SlotKey, std::uint64_t> owned;
  auto me = a.node_index(self.name);
  if (!me) return owned;
  for (const auto& t : a.tasks) {
    if (t.node != *me) continue;
    const std::string& service = a.services[t.service];
    auto plan = plans.find(service);
    if (plan == plans.end()) continue;
    owned[{service, status_slot(t.slot)}] = plan->second.version_for(t.slot, self);
  }
  return owned;
}

// One owned slot: keep or start the task of the wanted version, retire the others.
void reconcile_slot(const SlotKey& key, std::uint64_t want, bool start_first,
                    const std::vector<const LocalTask*>& tasks, ReconcileActions& out) {
  const LocalTask* current = nullptr;
  bool others_live = false;
  for (const LocalTask* t : tasks) {
    if (t->version == want) current = t;
    else if (!is_terminal(t->state)) others_live = true;
  }
  // A failed task of the wanted version stays: the runtime's restart policy owns its retries.
  bool have_current = current && current->state != runtime::TaskState::kShutdown;
  bool current_healthy = current && current->state == runtime::TaskState::kHealthy;
  for (const LocalTask* t : tasks) {
    if (t == current) continue;
    if (!is_terminal(t->state)) {
      // stop-first: make room before starting; start-first: only once the new one is healthy.
      if (!start_first || current_healthy) out.stop.push_back(t->id);
    } else {
      out.forget.push_back(t->id);
    }
  }
  if (!have_current && (start_first || !others_live)) out.start.push_back({key.first, key.second, want});
}

}  // namespace

std::string task_id(const std::string& service, std::uint32_t slot, std::uint64_t version) {
  return service + "." + std::to_string(slot) + "." + std::to_string(version);
}

std::optional<std::uint64_t> task_version(const std::string& id) {
  auto dot = id.rfind('.');
  if (dot == std::string::npos || dot + 1 == id.size()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(id.data() + dot + 1, id.data() + id.size(), v);
  if (ec != std::errc() || p != id.data() + id.size()) return std::nullopt;
  return v;
}

ReconcileActions reconcile(const NodeId& self, const placement::Assignment& assignment,
                           const std::map<std::string, ServicePlan>& plans,
                           const std::map<std::string, ServiceOrder>& orders,
                           const std::vector<LocalTask>& local) {
  ReconcileActions out;
  auto owned = owned_slots(self, assignment, plans);
  std::map<SlotKey, std::vector<const LocalTask*>> by_slot;
  for (const LocalTask& t : local) by_slot[{t.service, t.slot}].push_back(&t);
  for (const auto& [key, want] : owned) {
    auto order = orders.find(key.first);
    bool start_first = order != orders.end() && order->second.start_first;
    auto it = by_slot.find(key);
    reconcile_slot(key, want, start_first, it == by_slot.end() ? std::vector<const LocalTask*>{} : it->second, out);
  }
  for (const auto& [key, tasks] : by_slot) {
    if (owned.count(key)) continue;
    for (const LocalTask* t : tasks) {  // slot moved away, scaled down, drained or removed
      if (!is_terminal(t->state)) out.stop.push_back(t->id);
      else out.forget.push_back(t->id);
    }
  }
  return out;
}

}  // namespace shoal
