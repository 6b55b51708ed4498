#include "node/update_events.h"

namespace shoal::node {
namespace {

const char* phase_action(placement::UpdatePhase p) {
  using P = placement::UpdatePhase;
  switch (p) {
    case P::kUpdating: return "update_started";
    case P::kPaused: return "update_paused";
    case P::kRollingBack: return "update_rolling_back";
    case P::kMonitoring: return "update_monitoring";
    case P::kCompleted: return "update_completed";
  }
  return "?";
}

ClusterEvent update_event(const crdt::DesiredState& state, const std::string& service, const char* action,
                          std::uint64_t version) {
  ClusterEvent e = make_event(EventType::kService, action, service);
  e.attributes["version"] = std::to_string(version);
  if (const crdt::Service* svc = state.service(service)) e.attributes["created_ms"] = std::to_string(svc->created_ms);
  return e;
}

}  // namespace

std::vector<ClusterEvent> update_events(UpdateMarks& marks, const std::map<std::string, ServicePlan>& plans,
                                        const crdt::DesiredState& state) {
  std::vector<ClusterEvent> out;
  UpdateMarks next;
  for (const auto& [name, plan] : plans) {
    auto was = marks.find(name);
    if (!plan.update) {
      // The plan ended: every slot runs the target. Say so unless it was said already.
      if (was != marks.end() && was->second.phase != placement::UpdatePhase::kCompleted)
        out.push_back(update_event(state, name, "update_completed", was->second.target_version));
      continue;
    }
    const UpdateMark now{plan.update->target_version, plan.update->phase};
    const bool new_update = was == marks.end() || was->second.target_version != now.target_version;
    if (new_update) out.push_back(update_event(state, name, "update_started", now.target_version));
    if ((new_update && now.phase != placement::UpdatePhase::kUpdating) ||
        (!new_update && was->second.phase != now.phase))
      out.push_back(update_event(state, name, phase_action(now.phase), now.target_version));
    next[name] = now;
  }
  marks = std::move(next);  // a removed service's mark goes with it
  return out;
}

}  // namespace shoal::node
