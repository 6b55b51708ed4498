// Tombstone GC. A delete leaves tombstones (removed service writes, deleted task entries) so
// that a replica which still holds the deleted write learns it is deleted. A tombstone can go
// once no replica needs it:
//  - every live member's digest shows the event that made it (so each has applied it), or
//  - it is older than the horizon (CrdtConfig::tombstone_horizon_ms).
// The horizon is the one place a deleted key can come back: a node partitioned away for longer
// than the horizon (or not counted as live while it was away) that still holds the deleted
// write will, on heal, hand that write back through anti-entropy bucket repair, and since no
// tombstone is left to cancel it, the key is live again on every node. Dropping a tombstone
// that every live member has seen has the same effect on a node that was not live then and
// comes back later: membership treats a node gone that long as a rebuild.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crdt/desired_state.h"

namespace shoal::crdt {

struct GcStats {
  std::size_t seen_by_all = 0;  // dropped because every live member had seen them
  std::size_t expired = 0;      // dropped by the horizon
};

// `live_seen`: the `seen` of every live member's latest digest, this node's own included. An
// empty list proves nothing, so then only the horizon applies.
GcStats collect_garbage(DesiredState& state, const std::vector<CausalContext>& live_seen,
                        std::uint64_t now_ms, std::uint64_t horizon_ms);

}  // namespace shoal::crdt
