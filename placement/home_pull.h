// "Take your arc": nodes well under the mean load take back the slots whose first node on the
// ring they are (their "home"), which run elsewhere.
//
// Why: sticky placement keeps a running task on its node, so a node that joins gets none of the
// existing tasks (only new or orphaned ones), and stays far under the mean. Only the new node's
// arcs change owner on a join, so letting a node pull exactly the slots of its own arcs moves
// about its share (tasks/N) and nothing else; on a cluster at rest a node already holds its
// arcs' slots unless a rule sent them on (cap, per-service limit, resources), so the pull is
// idle there.
//
// The rules that make it a fixed point and keep it from oscillating:
//  - a node starts pulling only when its load is under its trigger, and pulls until it reaches
//    its target (target >= trigger: hysteresis, so one task more or less on a node near the
//    threshold does not start a pull), nearest slots first;
//  - a slot only ever moves to its home, where it is never a candidate again, so each slot
//    moves at most once and the pass ends after at most `candidates.size()` moves;
//  - a node that loses a slot to a pull and falls under its trigger pulls in turn, rescanning
//    all its candidates (one it could not take before may fit now), so when the pass ends no
//    node under its trigger has a slot it could take: run again on its own result, the pass
//    moves nothing.
#pragma once

#include <cstdint>
#include <queue>
#include <span>
#include <vector>

#include "common/result.h"

namespace shoal::placement {

// A slot that runs on another node than its home.
struct HomeCandidate {
  std::uint64_t distance = 0;  // clockwise from the slot's position to its home's point
  std::uint32_t service = 0;
  std::uint32_t slot = 0;

  // A node takes the slots nearest behind its points first, as in the sweep (ring_sweep.h).
  friend bool operator<(const HomeCandidate& a, const HomeCandidate& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    if (a.service != b.service) return a.service < b.service;
    return a.slot < b.slot;
  }
};

inline constexpr std::uint32_t kNoDonor = 0xffffffffu;

// `first` (size nodes + 1): node n's candidates are candidates[first[n] .. first[n + 1]), sorted.
// `below(n)`: n's load is under its trigger; `wants(n)`: under its target (true whenever below
// is). `pull(n, candidate)`: moves the slot to n if it still runs elsewhere and n may hold it
// (resources, per-service limit), returning the node it left, else kNoDonor.
// Nodes pull in index order (a queue ordered by index), so the result is deterministic.
// Returns the number of slots moved.
template <typename Below, typename Wants, typename Pull>
std::uint64_t pull_home(std::span<const std::uint32_t> first,
                        std::span<const HomeCandidate> candidates, Below&& below, Wants&& wants,
                        Pull&& pull) {
  SHOAL_ASSERT(!first.empty() && first.back() == candidates.size());
  const auto nodes = static_cast<std::uint32_t>(first.size() - 1);
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> queue;
  std::vector<bool> queued(nodes, false);
  auto enqueue = [&](std::uint32_t n) {
    if (queued[n] || first[n] == first[n + 1] || !below(n)) return;
    queued[n] = true;
    queue.push(n);
  };
  for (std::uint32_t n = 0; n < nodes; ++n) enqueue(n);
  std::uint64_t moved = 0;
  while (!queue.empty()) {
    const std::uint32_t n = queue.top();
    queue.pop();
    queued[n] = false;
    for (std::uint32_t i = first[n]; i < first[n + 1] && wants(n); ++i) {
      const std::uint32_t donor = pull(n, candidates[i]);
      if (donor == kNoDonor) continue;
      SHOAL_ASSERT(donor != n && donor < nodes);
      ++moved;
      SHOAL_ASSERT(moved <= candidates.size());  // each slot moves at most once, to its home
      enqueue(donor);
    }
  }
  return moved;
}

}  // namespace shoal::placement
