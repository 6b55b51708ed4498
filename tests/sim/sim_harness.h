// Shared scenario helpers for the simulator properties: build a converged cluster through real
// joins, record every event, and bound the failure-detection time from the config.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "membership/suspicion.h"
#include "sim/simulator.h"

namespace shoal::sim::testing {

// Per observer, the events it emitted, in order.
struct EventLog {
  struct Entry {
    std::uint64_t now_ms;
    NodeIndex observer;
    membership::Event event;
  };
  std::vector<Entry> entries;

  void attach(Simulator& sim) {
    sim.on_event = [this](std::uint64_t now, NodeIndex node, const membership::Event& e) {
      entries.push_back({now, node, e});
    };
  }
  std::size_t count(membership::Event::Kind kind, const std::string& about) const {
    std::size_t n = 0;
    for (const Entry& e : entries) n += e.event.kind == kind && e.event.member.id.name == about;
    return n;
  }
  std::size_t count(membership::Event::Kind kind) const {
    std::size_t n = 0;
    for (const Entry& e : entries) n += e.event.kind == kind;
    return n;
  }
};

// Starts n nodes that all join node 0 at once, and runs until every node sees all n alive (or
// the limit passes). Returns false if they did not converge.
inline bool join_cluster(Simulator& sim, std::size_t n, std::uint64_t limit_ms = 30'000) {
  for (std::size_t i = 0; i < n; ++i) sim.add_node();
  for (NodeIndex i = 1; i < n; ++i) sim.join(i, {0});
  const std::uint64_t end = sim.now_ms() + limit_ms;
  while (sim.now_ms() < end) {
    sim.run_for_ms(50);
    bool all = true;
    for (NodeIndex i = 0; i < n && all; ++i) all = sim.swim(i).num_alive() == n;
    if (all) return true;
  }
  return false;
}

// Upper bound on the time from a crash to every live node marking the node failed:
//   one full probe round of a single prober, (N - 1) probe intervals, plus the probe itself,
//   + the maximum suspicion timeout (no confirmations at all),
//   + 20 gossip rounds for the dead message to reach everyone,
// all stretched by the largest Lifeguard multiplier reached under the scenario's loss (we use 2:
// loss <= 10% keeps health scores low; the accuracy test logs them).
inline std::uint64_t detection_bound_ms(const membership::Config& c, std::size_t n) {
  const std::uint64_t min_ms = membership::suspicion_min_timeout_ms(c.suspicion_mult, n, c.probe_interval_ms);
  const std::uint64_t probe_round = static_cast<std::uint64_t>(n) * c.probe_interval_ms;
  return 2 * probe_round + min_ms * c.suspicion_max_timeout_mult + 20 * c.gossip_interval_ms;
}

// Seed from SHOAL_SIM_SEED (to reproduce a failure), else the given default.
inline std::uint64_t seed_or(std::uint64_t fallback) {
  const char* env = std::getenv("SHOAL_SIM_SEED");
  return env ? std::strtoull(env, nullptr, 10) : fallback;
}

}  // namespace shoal::sim::testing
