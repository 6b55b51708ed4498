// Rolling updates without a master. Every node runs update_plan() over the same gossiped state
// (assignment, task status, the two spec versions) and so reaches the same plan; each node then
// acts only on its own slots. The plan is a pure function: no memory between calls, so a node
// that restarts, or joins mid-update, computes the same thing as everyone else.
//
// Slots are taken in assignment order (slot number; node name for global services) in waves of
// `parallelism`. Wave k starts once every slot of wave k-1 is healthy on the target version
// (or failed, which counts against the failure ratio) and `delay_ms` has passed since the last
// of them turned healthy. At most `parallelism` slots are ever in flight (changing and not yet
// healthy) at once. Failed tasks on the target version count toward `max_failure_ratio` of the
// service's slots while the update runs and for `monitor_ms` after its last task turned
// healthy; past the ratio, `failure_action` applies: pause (no new waves), rollback (the plan
// targets the old version, in waves, with the same machinery) or continue.
//
// Rollback is stateless too, so it lasts only while the failures that caused it are visible.
// When a plan says kRollingBack the agent must make it durable the way `shoal service rollback`
// does: write the old spec back as a new spec version. The next plans then run forward to it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "placement/assignment.h"
#include "placement/task_status.h"

namespace shoal::placement {

using shoal::FailureAction;  // common/vocabulary.h
using shoal::UpdateOrder;

// Carried by the new spec (`shoal service update --update-parallelism ...`). Defaults are
// Docker Swarm's, which operators already know.
struct UpdateConfig {
  // Slots changed per wave; 0 = all at once. 1: one slot at a time, the safe default.
  std::uint32_t parallelism = 1;
  // Wait after a wave is healthy before the next starts; 0 (swarm's default): health gates it.
  std::uint64_t delay_ms = 0;
  // How long after a task turns healthy its failure still counts against the update. 5 s as in
  // swarm: long enough to catch a crash right after start.
  std::uint64_t monitor_ms = 5000;
  // Fraction of the service's slots that may fail before `failure_action`; 0 = any failure.
  double max_failure_ratio = 0.0;
  FailureAction failure_action = FailureAction::kPause;
  UpdateOrder order = UpdateOrder::kStopFirst;
};

Status validate(const UpdateConfig& config);

// One version of a service spec, as far as updates care.
struct ServiceRevision {
  std::uint64_t version = 0;
  UpdateConfig update;
};

enum class UpdatePhase : std::uint8_t {
  kUpdating,     // waves in progress toward the new version
  kPaused,       // failure ratio exceeded, failure action pause: no new waves
  kRollingBack,  // failure ratio exceeded, failure action rollback: waves toward the old version
  kMonitoring,   // every slot healthy on the target; failures still count until monitor ends
  kCompleted,
};

// What slot `slot` (on `node`) should run now.
struct SlotDirective {
  std::uint32_t slot = 0;   // kGlobalSlot for global services
  NodeId node;
  std::uint64_t version = 0;

  bool operator==(const SlotDirective&) const = default;
};

// A slot that must change version now.
struct SlotAction {
  std::uint32_t slot = 0;
  NodeId node;
  std::uint64_t from_version = 0;  // the version its live task runs; 0 = no live task
  std::uint64_t to_version = 0;
  UpdateOrder order = UpdateOrder::kStopFirst;

  bool operator==(const SlotAction&) const = default;
};

struct UpdatePlan {
  UpdatePhase phase = UpdatePhase::kUpdating;
  std::uint64_t target_version = 0;
  std::vector<SlotDirective> directives;  // one per placed slot of the service, in wave order
  std::vector<SlotAction> actions;        // slots to change now (a subset of directives)
  std::uint32_t healthy = 0;              // slots healthy on the target version
  std::uint32_t in_flight = 0;            // slots changing to the target, not yet healthy
  std::uint32_t failed = 0;               // slots whose target-version task failed
  // When the plan can change with no new status (a delay or monitor window ends): call again
  // then. None when only new status can change it.
  std::optional<std::uint64_t> next_deadline_ms;

  bool operator==(const UpdatePlan&) const = default;
};

// `status` may hold any tasks (other services, old nodes); only tasks of `service` on each
// slot's assigned node are read. Errors: unknown service, bad config, new version not newer.
Result<UpdatePlan> update_plan(const Assignment& assignment, std::string_view service,
                               std::span<const TaskStatus> status, const ServiceRevision& old_spec,
                               const ServiceRevision& new_spec, std::uint64_t now_ms);

}  // namespace shoal::placement
