// place(): which node runs each task slot. A pure function of the cluster and the desired
// state, so every node computes the same assignment without a scheduler:
//   same facts in any order -> the same Assignment, bit for bit.
//
// Rules, in the order they apply:
//  1. Tasks already running on a paused node stay there (pause keeps tasks, takes no new ones)
//     while the node is alive, the slot still exists, constraints hold and resources fit.
//  2. Global services: one task on every active node that meets the constraints and has room.
//  3. Replicated services: each slot hashes (xxh3 of service and slot, then the nearest of a few
//     probes) onto the consistent-hash ring of the nodes it may use (constraint class, or with
//     `spread_label` the ring of the label value its slot was given: slots are first divided
//     evenly over the values). One sweep of the ring of all active nodes then hands slots out:
//     every node takes the eligible slots nearest behind its points first, up to the load cap
//     ceil((1 + eps) * replicated slots / active nodes) and its resources, and at most
//     ceil(replicas / eligible nodes) of one service; slots it cannot take travel on clockwise
//     (ring_sweep.h). Slots the sweep leaves walk their ring one by one, and if every node is
//     at the cap, go to the least loaded of the next few nodes with room (the cap yields to
//     "place every replica resources allow").
//  4. Slots no node can take get a reason a person can act on.
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
