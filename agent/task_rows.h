// The rows of `service ps`: one per placed slot (its reported status, or assigned/pending),
// then tasks of that slot still reported elsewhere (shutting down after a move). Shared by the
// shoal CLI's `service ps` (workload_commands.cc) and the Docker API's /tasks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crdt/desired_state.h"
#include "node/cluster_view.h"
#include "placement/assignment.h"

namespace shoal {

struct PsRow {
  std::string id, service, node, desired, state, error;
  std::uint32_t slot = 0;
  std::uint64_t version = 0, since_ms = 0;
};

std::vector<PsRow> ps_rows(const crdt::DesiredState& state, const placement::Assignment& a,
                           const std::map<std::string, ServicePlan>& plans, const std::string& name);

}  // namespace shoal
