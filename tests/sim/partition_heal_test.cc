// Issue 13 / Serf's gravitational/gravity#2100: a partition longer than the dead-member
// retention makes each side forget the other; only the node core's join retries (node/
// node_core.h run_join) can bring them together again. SWIM cores on the simulator, each node's
// NodeCore consulted every 100 ms of virtual time with its member list, its joins carried out.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "node/node_core.h"
#include "sim/simulator.h"

namespace shoal::sim {
namespace {

constexpr std::uint64_t kRetentionMs = 20'000;  // shortened from 24 h: the same forgetting, sooner

struct Cluster {
  explicit Cluster(std::size_t n, std::uint64_t seed) : sim(options(seed)) {
    for (std::size_t i = 0; i < n; ++i) {
      sim.add_node();
      // Every node's only seed is node 0 (its own address for node 0: present, never joined).
      cores.push_back(std::make_unique<node::NodeCore>(NodeId{sim.name(i)}, node::NodeConfig{}, seed + i, now(),
                                                       crdt::DesiredState{}, node::JoinTargets{{sim.addr(0)}, {}}));
    }
  }
  static SimOptions options(std::uint64_t seed) {
    SimOptions o;
    o.seed = seed;
    o.swim.dead_member_retention_ms = kRetentionMs;
    return o;
  }
  Now now() const { return {sim.now_ms(), sim.now_ms()}; }

  // Runs the simulator, stepping every node core each 100 ms and sending the joins it asks for.
  void run_for(std::uint64_t ms) {
    const std::uint64_t end = sim.now_ms() + ms;
    while (sim.now_ms() < end) {
      for (NodeIndex i = 0; i < cores.size(); ++i) {
        node::NodeOutput out = cores[i]->step(now(), sim.swim(i).members(), {});
        std::vector<NodeIndex> seeds;
        for (const auto& addr : out.join) seeds.push_back(static_cast<NodeIndex>(std::stoul(addr.substr(1))));
        if (!seeds.empty()) sim.join(i, seeds), ++joins;
      }
      sim.run_for_ms(100);
    }
  }
  bool knows(NodeIndex observer, NodeIndex other) const {
    for (const auto& m : sim.swim(observer).members())
      if (m.id.name == sim.name(other)) return true;
    return false;
  }

  Simulator sim;
  std::vector<std::unique_ptr<node::NodeCore>> cores;
  std::uint64_t joins = 0;
};

TEST(PartitionHeal, SidesThatForgotEachOtherMergeAgain) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Cluster c(6, seed);
    c.run_for(10'000);
    for (NodeIndex i = 0; i < 6; ++i) ASSERT_EQ(c.sim.swim(i).num_alive(), 6u) << "seed=" << seed;
    c.sim.partition({{0, 1, 2}, {3, 4, 5}});
    c.run_for(kRetentionMs + 60'000);  // detection, then the retention, then some
    // Each side has forgotten the other (the precondition: SWIM alone can no longer heal it).
    for (NodeIndex b : {3, 4, 5}) ASSERT_FALSE(c.knows(b, 0)) << "seed=" << seed;
    for (NodeIndex a : {0, 1, 2}) ASSERT_FALSE(c.knows(a, 3)) << "seed=" << seed;
    const std::uint64_t joins_before_heal = c.joins;
    c.sim.heal();
    // At most one capped back-off (30 s) until the next join, plus its gossip.
    c.run_for(node::NodeConfig{}.join_backoff_max_ms + 15'000);
    for (NodeIndex i = 0; i < 6; ++i) EXPECT_EQ(c.sim.swim(i).num_alive(), 6u) << "node " << i << " seed=" << seed;
    EXPECT_GT(c.joins, joins_before_heal);
  }
}

}  // namespace
}  // namespace shoal::sim
