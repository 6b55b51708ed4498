// Rolling-update events: the phase of each service's update as the last reconcile round planned
// it (node/cluster_view.h ServicePlan), compared with this round's. Every node plans every
// service, so every node reports the phases it sees: started, paused, rolling back,
// monitoring, completed (the plan ended: every slot on the target version).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "node/cluster_event.h"
#include "crdt/desired_state.h"
#include "node/cluster_view.h"

namespace shoal::node {

struct UpdateMark {
  std::uint64_t target_version = 0;
  placement::UpdatePhase phase = placement::UpdatePhase::kUpdating;
};
using UpdateMarks = std::map<std::string, UpdateMark>;  // service -> its update in progress

// Service events ("update_started", "update_paused", "update_rolling_back",
// "update_monitoring", "update_completed", with version=TARGET and the service's created_ms
// from `state`, as its other events) for what changed between `marks` and `plans`; `marks`
// becomes this round's.
std::vector<ClusterEvent> update_events(UpdateMarks& marks, const std::map<std::string, ServicePlan>& plans,
                                        const crdt::DesiredState& state);

}  // namespace shoal::node
