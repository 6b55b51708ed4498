// The cluster's desired state and task status, as one delta-state CRDT. Every node holds a
// replica; any node accepts writes (even cut off from the rest); replicas converge by merging
// deltas (broadcast on write) and anti-entropy (crdt/anti_entropy.h). Sans-IO: time comes in
// as `now_ms`, nothing here reads a clock or touches a socket.
//
// Typical use (agent):
//   Replica r(self);                            // or r.restore(decode_state(file))
//   auto delta = r.create_service(now_ms, "web", spec);   // Result<DesiredState>
//   if (delta) broadcast(encode_state(*delta));           // crdt/codec.h
//   ...on receiving bytes: auto d = decode_state(bytes); if (d) r.merge(*d);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/hlc.h"
#include "common/node_id.h"
#include "common/result.h"
#include "crdt/delta_validation.h"
#include "crdt/dot.h"
#include "crdt/lww_register.h"
#include "crdt/or_map.h"
#include "crdt/service.h"
#include "crdt/service_merge.h"
#include "crdt/writer_map.h"

namespace shoal::crdt {

using shoal::Availability;  // common/vocabulary.h
using shoal::TaskState;

// A task is slot `slot` of service `service` (global services: slot 0 on each node).
struct TaskKey {
  std::string service;
  std::uint32_t slot = 0;

  auto operator<=>(const TaskKey&) const = default;
};

struct TaskStatus {
  std::string service;
  std::uint32_t slot = 0;
  std::uint64_t spec_version = 0;  // Service::version the task runs
  TaskState state = TaskState::kAssigned;
  std::string error;    // last failure, "" if none
  std::string address;  // task IP (overlay), "" until known
  std::uint64_t since_ms = 0;  // when `state` was entered (the runner's wall clock)

  TaskKey key() const { return {service, slot}; }
  auto operator<=>(const TaskStatus&) const = default;
};

// The whole replicated state; also the type of every delta (a delta is a small state).
// Merge rule: component-wise, each by its own rule (see the types); `seen` is the union of
// events. Equality compares everything (tests use it to check convergence).
struct DesiredState {
  CausalContext seen;                                       // every event merged in
  OrMap<std::string, Service> services;                     // add-wins; concurrent writes merge by field
  std::map<NodeId, LwwRegister<Availability>> availability; // LWW per node; any node writes any
  PerWriterMap<TaskKey, TaskStatus> tasks;                  // writer = node running the task

  void merge(const DesiredState& delta);
  bool empty() const;
  bool operator==(const DesiredState&) const = default;

  // Reads.
  const Service* service(const std::string& name) const;
  std::vector<const Service*> all_services() const;  // by name
  Availability availability_of(const NodeId& node) const;  // kActive if never set
  const TaskStatus* task(const NodeId& runner, const TaskKey& key) const;
  // Every live task status, by (runner, key).
  std::vector<std::pair<NodeId, const TaskStatus*>> all_tasks() const;
  // Largest HLC timestamp in the state (restore the clock from it after a restart).
  HlcTimestamp max_timestamp() const;
};

// What merge_remote() did with an accepted delta.
struct MergeReport {
  // False if the delta's newest timestamp was more than the HLC's max_clock_offset_ms ahead of
  // our physical time: merged, but not adopted by our clock (common/hlc.h says what that means
  // for the sender's writes). ahead_ms says by how much; log it with the origin.
  bool clock_adopted = true;
  std::uint64_t ahead_ms = 0;
};

struct ReplicaCounters {
  std::uint64_t deltas_rejected = 0;        // failed validate_delta: dropped, never merged
  std::uint64_t timestamps_not_adopted = 0; // merged, clock not moved (too far ahead)
};

// One node's replica: the state, this node's HLC and event counter. Every write applies
// locally and returns its delta, to broadcast; merge() folds in remote deltas / full states.
class Replica {
 public:
  explicit Replica(NodeId self, std::uint64_t max_clock_offset_ms = kDefaultMaxClockOffsetMs,
                   DeltaLimits limits = {});

  const NodeId& self() const { return self_; }
  const DesiredState& state() const { return state_; }

  // User commands (see crdt/service_ops.h for the errors).
  // `vip` is the creator's pick for the service's virtual IP ("" = none); created_ms = now_ms.
  Result<DesiredState> create_service(std::uint64_t now_ms, const std::string& name,
                                      ServiceSpec spec, std::string vip = "");
  Result<DesiredState> scale_service(std::uint64_t now_ms, const std::string& name,
                                     std::uint32_t replicas);
  Result<DesiredState> update_service(std::uint64_t now_ms, const std::string& name,
                                      ServiceSpec spec);
  Result<DesiredState> rollback_service(std::uint64_t now_ms, const std::string& name);
  Result<DesiredState> restore_conflict(std::uint64_t now_ms, const std::string& name, const Dot& entry);
  Result<DesiredState> remove_service(std::uint64_t now_ms, const std::string& name);

  // Low-level write of a whole service value (the helpers above end here). Fields equal to the
  // visible value's keep their stamps; the changed ones are this write's (crdt/service_merge.h).
  DesiredState put_service(std::uint64_t now_ms, Service value);

  // Any node may set any node's availability.
  DesiredState set_availability(std::uint64_t now_ms, const NodeId& node, Availability value);

  // Task status of tasks this node runs (writer = self).
  DesiredState put_task(std::uint64_t now_ms, TaskStatus status);
  Result<DesiredState> delete_task(std::uint64_t now_ms, const TaskKey& key);

  // A delta or full state from another node (`origin`: who sent it, for the error and the log),
  // at our wall time now_ms. Validated first (crdt/delta_validation.h): an invalid one is
  // dropped whole, counted and returned as an error naming the origin, never merged (so never
  // re-gossiped). A valid one is merged and its newest timestamp observed by the HLC, bounded by
  // max_clock_offset_ms (see MergeReport).
  Result<MergeReport> merge_remote(const DesiredState& delta, const NodeId& origin, std::uint64_t now_ms);

  // Trusted input only (our own batches, tests): merges without validation and moves the clock
  // past every timestamp in it, unbounded. Remote input goes through merge_remote().
  void merge(const DesiredState& delta);

  const ReplicaCounters& counters() const { return counters_; }
  const HybridLogicalClock& clock() const { return clock_; }

  // After loading a persisted state: take it, and resume the clock and counter after it.
  void restore(DesiredState state);

  // Mutable access for tombstone GC (crdt/tombstone_gc.h) only.
  DesiredState& state_for_gc() { return state_; }

 private:
  Dot next_dot();
  DesiredState finish(DesiredState delta, const Dot& dot);

  NodeId self_;
  HybridLogicalClock clock_;
  DeltaLimits limits_;
  DesiredState state_;
  ReplicaCounters counters_;
};

}  // namespace shoal::crdt
