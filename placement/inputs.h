// Placement's inputs: plain value types describing the cluster (nodes) and the desired state
// (services). The agent converts membership + CRDT state into these; placement never sees the
// CRDT or the network. Order of the vectors does not matter: place() sorts what it needs, so
// every node computes the same assignment from the same set of facts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/node_id.h"
#include "common/vocabulary.h"

namespace shoal::placement {

// Shared with the crdt schema and the node core: defined once in common/vocabulary.h.
using shoal::Availability;
using shoal::ConstraintOp;
using shoal::ServiceMode;

struct Node {
  NodeId id;
  bool alive = true;                                  // membership says alive (not suspect/dead)
  Availability availability = Availability::kActive;
  std::map<std::string, std::string> labels;          // node.labels.KEY == VALUE
  std::uint64_t cpu_millis = 0;                        // schedulable CPU, 1000 = one core
  std::uint64_t memory_bytes = 0;                      // schedulable memory
};

// `node.labels.KEY==VALUE` or `node.labels.KEY!=VALUE`. A node without the label fails `==`
// and passes `!=` (as in Docker Swarm), so `zone!=b` also admits unlabelled nodes.
struct Constraint {
  std::string key;
  ConstraintOp op = ConstraintOp::kEq;
  std::string value;

  auto operator<=>(const Constraint&) const = default;
  bool operator==(const Constraint&) const = default;
};

struct Service {
  std::string name;                        // unique in the cluster
  ServiceMode mode = ServiceMode::kReplicated;
  std::uint32_t replicas = 1;              // ignored for global services
  std::uint64_t cpu_millis = 0;            // reservation per task
  std::uint64_t memory_bytes = 0;          // reservation per task
  std::vector<Constraint> constraints;     // all must hold
  std::optional<std::string> spread_label; // spread replicas evenly over this label's values
};

// A task that runs now (from gossiped task status). Placement keeps a running task where it
// runs while rules allow (sticky placement, place.h rule 3a), and keeps tasks on paused nodes,
// which keep what they run but take nothing new. Entries may be stale or contradictory (a slot
// on two nodes while it moves, a node or service that is gone): place() resolves them
// deterministically. For global services `slot` is ignored (the task is named by its node).
struct RunningTask {
  std::string service;
  std::uint32_t slot = 0;
  NodeId node;
};

struct PlacementInput {
  std::vector<Node> nodes;
  std::vector<Service> services;
  std::vector<RunningTask> running;
};

}  // namespace shoal::placement
