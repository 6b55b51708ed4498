// Validation of a remote delta (or full state) against the schema's limits, before it is merged.
// Decoding (crdt/codec.h) already bounds the bytes and rejects wrong shapes; this checks what a
// well-formed but hostile or buggy peer could still send: names that are not names, specs a local
// write would refuse (crdt/service_ops.h), strings and counts beyond the limits, zero counters.
// A delta that fails is dropped whole (crdt::Replica::merge_remote): merging part of it could
// break the CRDT's invariants (a dot seen without its write), and it is never re-gossiped.
#pragma once

#include <cstddef>

#include "common/result.h"

namespace shoal::crdt {

struct DesiredState;  // crdt/desired_state.h (which includes this header for DeltaLimits)

// Bounds on one delta beyond the per-spec ones in service_ops.h. Each is far above what a
// correct node sends and far below what would hurt a small edge node.
struct DeltaLimits {
  // Services in one delta (a full state during anti-entropy carries all of them). 10,000:
  // placement and the load balancer are sized for thousands of services.
  std::size_t services_max = 10'000;
  // Concurrent writes kept per service, and tombstones per service: each is one write not yet
  // superseded or collected. 256 concurrent writers of one service is already absurd.
  std::size_t writes_per_service_max = 256;
  std::size_t tombstones_per_service_max = 4'096;
  // Nodes with an availability value, task writers, and writers in the causal context: bounded by
  // the cluster size (ReplayFilterConfig::peers_max = 4096 peers).
  std::size_t nodes_max = 4'096;
  // Task entries of one writer (running and deleted-but-not-collected). 65,536: a node running
  // thousands of tasks with churn.
  std::size_t tasks_per_node_max = 65'536;
  // Dots seen out of order (the causal context's cloud).
  std::size_t cloud_max = 65'536;
  // Task address (an IP) and error text.
  std::size_t task_address_bytes_max = 64;
  std::size_t task_error_bytes_max = 4'096;
  // A service VIP ("10.96.0.7" or an IPv6 address).
  std::size_t vip_bytes_max = 64;
};

// Ok, or the first violation found, e.g. "service entry 'web': replicas must be at most 100000".
Status validate_delta(const DesiredState& delta, const DeltaLimits& limits = {});

}  // namespace shoal::crdt
