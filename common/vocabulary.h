// The enums every layer shares (crdt schema, placement, runtime, node core, CLI), defined once
// so no layer needs a converter and a new state cannot be added to one copy and forgotten in
// another. The numeric values are on the wire (crdt/codec.cc) and on disk (runtime task
// records): append new enumerators at the end, never renumber.
#pragma once

#include <cstdint>

namespace shoal {

// A task's observed state. The lifecycle is a small DAG; restarts go back from `failed` to
// `starting`:  assigned -> starting -> running -> healthy -> (failed | shutdown).
// `healthy` is reached only after a health check passes, or right at `running` if the task has
// no check. `shutdown` means stopped on request; `failed` means it exited on its own, was
// OOM-killed, or failed its health check. Written only by the node that runs the task.
enum class TaskState : std::uint8_t {
  kAssigned = 0,  // the node took the slot, nothing started yet
  kStarting = 1,  // process/container starting
  kRunning = 2,   // running, health not yet confirmed
  kHealthy = 3,   // health check passes (or running, without a check)
  kFailed = 4,    // exited or failed its health check
  kShutdown = 5,  // stopped on purpose (replaced, scaled down, node draining)
  // Waiting for its image (pull from the registry or a peer); the status's `error` says why it
  // waits (registry unreachable, auth failed, ...). Never a runtime state: nothing runs yet.
  kPreparing = 6,
};
inline constexpr TaskState kLastTaskState = TaskState::kPreparing;

// States a task does not leave without a new start (or a restart).
inline bool is_terminal(TaskState s) { return s == TaskState::kFailed || s == TaskState::kShutdown; }
// Started and not ended: placement keeps such a task where it runs.
inline bool is_active(TaskState s) {
  return s == TaskState::kStarting || s == TaskState::kRunning || s == TaskState::kHealthy;
}

// What a rolling update does once its failure ratio is exceeded (swarm's names and default).
enum class FailureAction : std::uint8_t { kPause = 0, kContinue = 1, kRollback = 2 };

// Whether a slot's new task starts before or after its old one stops.
enum class UpdateOrder : std::uint8_t {
  kStopFirst = 0,   // stop the old task, then start the new one (never two copies of a slot)
  kStartFirst = 1,  // start the new task, stop the old one once the new one is healthy
};

// Operator-set availability of a node (`shoal node update --availability`).
enum class Availability : std::uint8_t {
  kActive = 0,  // takes new tasks
  kPause = 1,   // keeps the tasks it runs, takes no new ones
  kDrain = 2,   // runs nothing: its tasks are placed elsewhere
};

enum class ServiceMode : std::uint8_t {
  kReplicated = 0,  // `replicas` slots, placed by hashing
  kGlobal = 1,      // one task on every eligible node
};

// `node.labels.KEY==VALUE` (kEq) or `node.labels.KEY!=VALUE` (kNe).
enum class ConstraintOp : std::uint8_t { kEq = 0, kNe = 1 };

// What a service's tasks do when the cluster splits (`--on-partition`; node/partition_policy.h
// says exactly what each guarantees).
enum class OnPartition : std::uint8_t {
  kDuplicate = 0,  // every side runs the full count; after the heal the extra copies stop
  kMajority = 1,   // only a side that sees a strict majority of the service's nodes runs it
  kPinned = 2,     // a slot stays with its node while that node is unreachable (device-bound)
};

// The names the CLI, the JSON state dump and the API use.
const char* to_string(TaskState v);
const char* to_string(FailureAction v);
const char* to_string(UpdateOrder v);
const char* to_string(Availability v);
const char* to_string(ServiceMode v);
const char* to_string(ConstraintOp v);
const char* to_string(OnPartition v);

}  // namespace shoal
