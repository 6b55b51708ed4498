// One clockwise sweep of a hash ring that hands every item to a node, nearest point first.
//
// Why a sweep and not "each slot walks clockwise past full nodes, one slot at a time": with a
// load cap, the one-at-a-time walk depends on the order slots are processed in. A task displaced
// by a change (its node left) lands on the next node early in that order and takes the room of a
// task processed later, which moves on in turn: the bounded-load cascade. The sweep gives every
// node a fixed preference instead, independent of processing order: a node takes the items
// nearest behind its point first (its own arc, closest first), then items carried from farther
// back. Items a node has no room for stay on a stack and travel on.
//
// Items carry the id of the nodes that may take them (a constraint class): the caller sweeps
// the ring of every active node once for all classes, and `try_take` refuses items a node may
// not hold, so they travel on to the next eligible point, which is their successor on their
// class's own ring.
//
// What that buys on a change (docs/placement.md has the figures):
//  - a node leaves: its items join the next point's arc as the farthest ones, so a full node
//    passes them on instead of giving up one of its own; only nodes that were taking carried
//    items trade an older carried item for a newer one.
//  - a node joins: it takes the far end of its successor's arc, which is what the successor
//    had passed on when it was full, so the successor keeps its own nearest items.
//
// The ring is cut at hash 0: items past the last point belong to point 0 but are farther than
// point 0's own arc, so they are pushed first (deeper). After one lap, what is still on the
// stack is offered once more around the ring; the rest is left to the caller (`leftovers`).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "placement/hash_ring.h"

namespace shoal::placement {

struct SweepItem {
  std::uint64_t hash = 0;     // position on the ring
  std::uint32_t service = 0;
  std::uint32_t slot = 0;
  std::uint32_t per_node = 0; // most tasks of this service one node should take
  std::uint32_t ring = 0;     // the caller's id for the nodes that may take it

  // Sort order: position, then (service, slot) so equal hashes stay deterministic.
  friend bool operator<(const SweepItem& a, const SweepItem& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    if (a.service != b.service) return a.service < b.service;
    return a.slot < b.slot;
  }
};

// `items` must be sorted. `has_room(node)`: the node may take one more item at all (under its
// load cap, not closed by the caller); `try_take(node, item)`: the node takes this item if it fits (resources, per-service
// limit) and returns whether it did. At each point, the scan down the stack stops after
// `scan_depth` items the node did not take, which bounds the work per point when few items fit
// anywhere; items below stay for later points. Returns the items no point took, in stack order (bottom first).
template <typename HasRoom, typename TryTake>
std::vector<SweepItem> sweep_ring(const HashRing& ring, std::span<const SweepItem> items,
                                  HasRoom&& has_room, TryTake&& try_take,
                                  std::size_t scan_depth) {
  std::vector<SweepItem> stack;
  if (ring.empty()) return {items.begin(), items.end()};
  const std::uint64_t last_hash = ring.at(ring.size() - 1).hash;
  // Items past the last point: the start of the tail, which point 0 gets first.
  const std::size_t tail = static_cast<std::size_t>(
      std::upper_bound(items.begin(), items.end(), last_hash,
                       [](std::uint64_t h, const SweepItem& it) { return h < it.hash; }) -
      items.begin());
  std::size_t next = 0;  // next item not yet pushed (below `tail`)

  auto offer = [&](std::uint32_t node) {
    if (stack.empty() || !has_room(node)) return;
    const std::size_t size = stack.size();
    // Scan from the top down. Untaken items are copied up over the taken ones, so afterwards
    // stack[j..write) is free and stack[write..size) holds the untaken items in their order.
    std::size_t j = size;
    std::size_t write = size;
    std::size_t passed = 0;  // items looked at and not taken
    while (j > 0 && passed < scan_depth && has_room(node)) {
      --j;
      if (!try_take(node, stack[j])) {
        stack[--write] = stack[j];
        ++passed;
      }
    }
    std::move(stack.begin() + static_cast<std::ptrdiff_t>(write), stack.end(),
              stack.begin() + static_cast<std::ptrdiff_t>(j));
    stack.resize(j + (size - write));
  };

  for (std::size_t i = 0; i < ring.size(); ++i) {
    const RingPoint& p = ring.at(i);
    if (i == 0) stack.insert(stack.end(), items.begin() + static_cast<std::ptrdiff_t>(tail), items.end());
    while (next < tail && items[next].hash <= p.hash) stack.push_back(items[next++]);
    offer(p.node);
  }
  for (std::size_t i = 0; i < ring.size() && !stack.empty(); ++i) offer(ring.at(i).node);
  return stack;
}

}  // namespace shoal::placement
