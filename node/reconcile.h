// The reconcile decision, pure: given the assignment, each service's rolling-update plan and
// the tasks this node runs, which tasks to start, stop and forget. Level-triggered: it looks
// only at the current facts, so running it twice, or after a restart, or after missing an
// event, gives the right answer. The agent (workload.cc) carries the actions out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/cluster_view.h"
#include "common/node_id.h"
#include "placement/assignment.h"
#include "runtime/task_state.h"

namespace shoal {

struct LocalTask {
  std::string id;
  std::string service;
  std::uint32_t slot = 0;  // status slot (global: 0)
  std::uint64_t version = 0;
  runtime::TaskState state = runtime::TaskState::kAssigned;
};

struct StartTask {
  std::string service;
  std::uint32_t slot = 0;  // status slot
  std::uint64_t version = 0;
  bool operator==(const StartTask&) const = default;
};

struct ReconcileActions {
  std::vector<StartTask> start;
  std::vector<std::string> stop;    // live tasks to stop (ids)
  std::vector<std::string> forget;  // terminal tasks no slot wants any more (ids)
};

struct ServiceOrder {
  bool start_first = false;  // the current spec's update order
};

ReconcileActions reconcile(const NodeId& self, const placement::Assignment& assignment,
                           const std::map<std::string, ServicePlan>& plans,
                           const std::map<std::string, ServiceOrder>& orders,
                           const std::vector<LocalTask>& local);

// "web.2.7": service, status slot, version. Ids name files and cgroups, so they stay simple.
std::string task_id(const std::string& service, std::uint32_t slot, std::uint64_t version);
// The version a task id names (its last dot-separated part), or nothing if it has none.
std::optional<std::uint64_t> task_version(const std::string& id);

}  // namespace shoal
