// Converts what the agent knows (membership + desired state) into placement's inputs, and
// computes, for every service, the version each of its slots should run now (rolling updates).
// Pure: every node computes the same from the same facts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crdt/desired_state.h"
#include "membership/swim.h"
#include "placement/assignment.h"
#include "placement/inputs.h"
#include "placement/update_plan.h"

namespace shoal {

// Global services have one task per node; in task status and task ids they use slot 0.
inline std::uint32_t status_slot(std::uint32_t placement_slot) {
  return placement_slot == placement::kGlobalSlot ? 0 : placement_slot;
}

placement::PlacementInput placement_input(const std::vector<membership::Member>& members,
                                          const crdt::DesiredState& state);

struct ServicePlan {
  std::uint64_t version = 0;  // the service's current spec version
  // Rolling update in progress (some task runs another version), else nothing.
  std::optional<placement::UpdatePlan> update;
  // Version slot (placement slot) on node should run now.
  std::uint64_t version_for(std::uint32_t slot, const NodeId& node) const;
};

// Task status of every node, in placement's terms.
std::vector<placement::TaskStatus> placement_status(const crdt::DesiredState& state);

std::map<std::string, ServicePlan> plan_services(const placement::Assignment& assignment,
                                                 const crdt::DesiredState& state, std::uint64_t now_ms);

}  // namespace shoal
