// place(): which node runs each task slot. A pure function of the cluster, the desired state
// and the tasks that run now (gossiped task status), so every node computes the same
// assignment without a scheduler:
//   same facts in any order -> the same Assignment, bit for bit.
//
// Rules, in the order they apply:
//  1. Tasks already running on a paused node stay there (pause keeps tasks, takes no new ones)
//     while the node is alive, the slot still exists, constraints hold and resources fit.
//  2. Global services: one task on every active node that meets the constraints and has room.
//  3. Replicated services. The load cap of a node is about (1 + eps) * replicated slots / active
//     nodes (load_cap.h); a node should hold at most ceil(replicas / eligible nodes) of one
//     service (with `spread_label`, per label value, whose quota is replicas / values).
//   a. Sticky: a slot whose task runs now on an active node stays there while the slot exists,
//      constraints hold, resources fit, the node holds fewer than ceil((1 + eps) * mean) tasks
//      (the bound itself: the dithered cap is for placing) and the per-service limit (and the
//      spread value's quota) allows. A slot reported on several nodes keeps the one the ring
//      prefers; a node over the bound keeps the slots nearest behind its ring points. So a node
//      leaving moves exactly its tasks (plus what nodes under the pull trigger take home, 3c).
//   b. The other slots hash (xxh3 of service and slot, then the nearest of a few probes) onto
//      the consistent-hash ring of the nodes they may use (constraint class, or the ring of the
//      spread value the slot was given). One sweep of the ring of all active nodes hands them
//      out: every node takes the eligible slots nearest behind its points first, up to its cap,
//      resources and per-service limit; slots it cannot take travel on clockwise
//      (ring_sweep.h). Slots the sweep leaves walk their ring one by one (those whose task runs
//      somewhere first); the per-service limit, then the cap, yield first on the node where the
//      slot's task runs, and if every node is at the cap, the slot goes to the least loaded of
//      the next few nodes with room ("place every replica resources allow").
//   c. Take your arc (between the sweep and the one-by-one walk): a node whose load is under
//      pull_below_mean x mean takes the slots whose first node on their ring it is from the nodes
//      they run on, nearest first, until its load reaches pull_up_to_mean x mean (not past its
//      cap, resources and the per-service limit allowing; home_pull.h). So a node joining takes
//      about its share, tasks/N, from the arcs it took over, and nothing else moves for it; at
//      rest every node under the trigger already holds its arcs' slots and nothing moves.
//  4. Slots no node can take get a reason a person can act on, from what nodes have left once
//     everything is placed.
#pragma once

#include "common/result.h"
#include "placement/assignment.h"
#include "placement/config.h"
#include "placement/inputs.h"

namespace shoal::placement {

// Errors only for malformed input (duplicate or empty names, too many slots, bad config);
// a cluster that cannot run everything is not an error: those slots are in `unplaced`.
Result<Assignment> place(const PlacementInput& input, const PlacementConfig& config = {});

}  // namespace shoal::placement
