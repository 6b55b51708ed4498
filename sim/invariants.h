// Whole-cluster invariants over a sim::Cluster, each returning "" when it holds, else what is
// wrong in words (the first few offences). A property calls them once faults have stopped and
// the cluster had time to settle (see sim/README.md for the bounds the tests use).
#pragma once

#include <string>

#include "crdt/desired_state.h"
#include "sim/cluster.h"

namespace shoal::sim {

// Every slot the (agreed) assignment places runs exactly once cluster-wide, on the node
// placement chose; nothing else runs. "Runs": a task started and not ended (starting, running,
// healthy) in a node's runtime. Global services: one task per node placement chose.
// Meaningful once views agree and replicas agree; checks that every up node places alike.
std::string check_exactly_once(const Cluster& c);

// Every up node's desired state holds the same services, availability and task status (the
// causal context may differ by superseded events, see invariants.cc). With `ignore_tombstones`, tombstones are left out
// of the comparison: each node collects them on its own anti-entropy round, so for a moment one
// holds a tombstone another has already dropped.
std::string check_replicas_agree(const Cluster& c, bool ignore_tombstones = true);

// `s` without tombstones (removed services' and deleted tasks' markers).
crdt::DesiredState without_tombstones(const crdt::DesiredState& s);

}  // namespace shoal::sim
