// Properties of the membership protocol, checked on the deterministic simulator. Each case
// draws one seed; a failure prints "reproduce with seed=N" (run the single test with
// SHOAL_SIM_SEED=N for the fixed-seed tests, or the rapidcheck reproduce string for properties).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "membership/messages.h"
#include "tests/sim/sim_harness.h"

namespace shoal::sim {
namespace {

using membership::Event;
using membership::MemberStatus;
using testing::EventLog;

std::string repro(std::uint64_t seed) { return "reproduce with seed=" + std::to_string(seed); }

// Completeness: a crashed node is marked failed by every live node within the bound.
RC_GTEST_PROP(SimProperties, CrashedNodeIsDetectedByAllWithinBound, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto n = *rc::gen::inRange<std::size_t>(4, 40);
  const double loss = *rc::gen::element(0.0, 0.01, 0.05);
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = loss;
  Simulator sim(o);
  if (!testing::join_cluster(sim, n)) RC_FAIL("cluster did not converge; " + repro(seed));
  sim.run_for_ms(2'000);
  const auto victim = static_cast<NodeIndex>(sim.rng().below(n));
  sim.crash(victim);
  const std::uint64_t crashed_at = sim.now_ms();
  const std::uint64_t bound = testing::detection_bound_ms(o.swim, n);
  while (sim.now_ms() < crashed_at + bound) {
    sim.run_for_ms(100);
    bool all = true;
    for (NodeIndex i = 0; i < n && all; ++i)
      if (i != victim) all = sim.swim(i).member(NodeId{sim.name(victim)})->status == MemberStatus::kFailed;
    if (all) {
      RC_TAG(n < 16 ? "n<16" : "n>=16");
      return;
    }
  }
  RC_FAIL("n" + std::to_string(victim) + " not failed everywhere within " + std::to_string(bound) + " ms (n=" +
          std::to_string(n) + ", loss=" + std::to_string(loss) + "); " + repro(seed));
}

// Accuracy: 100 nodes, 10% uniform loss, no crash, 10 simulated minutes: no live node is ever
// declared failed (every event checked).
TEST(SimProperties, NoFalseDeathsAtTenPercentLossOver10Minutes) {
  const std::uint64_t seed = testing::seed_or(20261125);
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = 0.10;
  Simulator sim(o);
  EventLog log;
  log.attach(sim);
  sim.add_converged_nodes(100);
  sim.run_for_ms(600'000);
  EXPECT_EQ(log.count(Event::kFailed), 0u) << repro(seed);
  std::uint64_t refutations = 0;
  int max_health = 0;
  for (NodeIndex i = 0; i < 100; ++i) {
    EXPECT_EQ(sim.swim(i).num_alive(), 100u) << "n" << i << "; " << repro(seed);
    refutations += sim.swim(i).counters().refutations;
    max_health = std::max(max_health, sim.swim(i).health_score());
  }
  // The scenario must actually exercise suspicion, or it proves nothing.
  EXPECT_GT(log.count(Event::kSuspect), 0u);
  EXPECT_GT(refutations, 0u);
  RecordProperty("refutations", static_cast<int>(refutations));
  RecordProperty("max_health", max_health);
}

// Accuracy, many seeds, smaller clusters and shorter runs.
RC_GTEST_PROP(SimProperties, NoFalseDeathsUnderLoss, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto n = *rc::gen::inRange<std::size_t>(5, 40);
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = 0.10;
  Simulator sim(o);
  EventLog log;
  log.attach(sim);
  sim.add_converged_nodes(n);
  sim.run_for_ms(120'000);
  if (log.count(Event::kFailed) != 0) RC_FAIL("a live node was declared failed; " + repro(seed));
}

// Refutation: a node falsely suspected (a lying peer tells one member) refutes with a higher
// incarnation and stays alive everywhere.
RC_GTEST_PROP(SimProperties, FalselySuspectedNodeRefutesAndStaysAlive, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto n = *rc::gen::inRange<std::size_t>(3, 30);
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = *rc::gen::element(0.0, 0.05);
  Simulator sim(o);
  EventLog log;
  log.attach(sim);
  sim.add_converged_nodes(n);
  sim.run_for_ms(1'000);
  const auto accused = static_cast<NodeIndex>(sim.rng().below(n));
  const auto told = static_cast<NodeIndex>((accused + 1 + sim.rng().below(n - 1)) % n);
  const auto liar = static_cast<NodeIndex>((told + 1) % n);
  const std::uint64_t inc = sim.swim(accused).incarnation();
  sim.inject_packet(told, liar, membership::encode_message(membership::Suspect{sim.name(accused), inc, sim.name(liar)}));
  sim.run_for_ms(60'000);
  if (sim.swim(accused).incarnation() <= inc) RC_FAIL("no refutation; " + repro(seed));
  for (NodeIndex i = 0; i < n; ++i) {
    auto m = sim.swim(i).member(NodeId{sim.name(accused)});
    if (!m || m->status != MemberStatus::kAlive || m->incarnation <= inc)
      RC_FAIL("n" + std::to_string(i) + " does not see the refutation; " + repro(seed));
  }
  if (log.count(Event::kFailed) != 0) RC_FAIL("false death; " + repro(seed));
}

// Leave: shows as `left` everywhere, never `failed`.
RC_GTEST_PROP(SimProperties, LeaveIsSeenAsLeftEverywhere, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto n = *rc::gen::inRange<std::size_t>(3, 30);
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = *rc::gen::element(0.0, 0.05);
  Simulator sim(o);
  EventLog log;
  log.attach(sim);
  if (!testing::join_cluster(sim, n)) RC_FAIL("cluster did not converge; " + repro(seed));
  const auto leaver = static_cast<NodeIndex>(sim.rng().below(n));
  sim.leave(leaver);
  for (int i = 0; i < 200 && !sim.leave_done(leaver); ++i) sim.run_for_ms(50);
  if (!sim.leave_done(leaver)) RC_FAIL("leave broadcast never finished; " + repro(seed));
  sim.stop(leaver);
  sim.run_for_ms(testing::detection_bound_ms(o.swim, n));
  const std::string name = sim.name(leaver);
  for (NodeIndex i = 0; i < n; ++i) {
    if (i == leaver) continue;
    if (sim.swim(i).member(NodeId{name})->status != MemberStatus::kLeft)
      RC_FAIL("n" + std::to_string(i) + " sees " + name + " as " +
              membership::status_name(sim.swim(i).member(NodeId{name})->status) + "; " + repro(seed));
  }
  if (log.count(Event::kFailed, name) != 0) RC_FAIL(name + " was declared failed; " + repro(seed));
}

// Determinism: the same seed gives the same trace hash; different seeds differ.
RC_GTEST_PROP(SimProperties, SameSeedSameTraceDifferentSeedDifferentTrace, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  auto run = [](std::uint64_t s) {
    SimOptions o;
    o.seed = s;
    o.faults.udp_loss = 0.05;
    Simulator sim(o);
    testing::join_cluster(sim, 12);
    sim.crash(3);
    sim.run_for_ms(5'000);
    sim.restart(3, {0});
    sim.partition({{0, 1, 2}});
    sim.run_for_ms(5'000);
    sim.heal();
    sim.run_for_ms(5'000);
    return sim.trace_hash();
  };
  const std::uint64_t a = run(seed);
  RC_ASSERT(a == run(seed));
  RC_ASSERT(a != run(seed + 1));
}

// Partition: each side declares the other failed; after healing the views merge (reconnect
// push-pull and refutation) and every node sees every other alive.
TEST(SimProperties, ViewsMergeAfterALongPartitionHeals) {
  const std::uint64_t seed = testing::seed_or(7);
  SimOptions o;
  o.seed = seed;
  Simulator sim(o);
  ASSERT_TRUE(testing::join_cluster(sim, 10)) << repro(seed);
  sim.partition({{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}});
  sim.run_for_ms(60'000);  // longer than gossip_to_the_dead_ms
  EXPECT_EQ(sim.swim(0).member(NodeId{"n7"})->status, MemberStatus::kFailed) << repro(seed);
  EXPECT_EQ(sim.swim(7).member(NodeId{"n0"})->status, MemberStatus::kFailed) << repro(seed);
  sim.heal();
  sim.run_for_ms(3 * o.swim.push_pull_interval_ms);
  for (NodeIndex i = 0; i < 10; ++i) EXPECT_EQ(sim.swim(i).num_alive(), 10u) << "n" << i << "; " << repro(seed);
}

// Restart: a crashed node restarted with its persisted incarnation + 1 is alive again everywhere.
TEST(SimProperties, RestartedNodeIsAliveAgainEverywhere) {
  const std::uint64_t seed = testing::seed_or(11);
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = 0.05;
  Simulator sim(o);
  EventLog log;
  log.attach(sim);
  ASSERT_TRUE(testing::join_cluster(sim, 16)) << repro(seed);
  sim.crash(5);
  sim.run_for_ms(testing::detection_bound_ms(o.swim, 16));
  EXPECT_EQ(sim.swim(0).member(NodeId{"n5"})->status, MemberStatus::kFailed) << repro(seed);
  sim.restart(5, {1});
  sim.run_for_ms(5'000);
  for (NodeIndex i = 0; i < 16; ++i) EXPECT_EQ(sim.swim(i).num_alive(), 16u) << "n" << i << "; " << repro(seed);
  EXPECT_GT(log.count(Event::kJoined, "n5"), 0u);
}

// Scale: thousands of nodes run (memory and event loop) and probes make progress.
// SHOAL_SIM_BIG=1 runs 10,000 (4.7 GiB, ~15 s); bench/dissemination always runs 10,000.
TEST(SimProperties, ThousandsOfNodesRun) {
  const std::uint64_t seed = testing::seed_or(3);
  SimOptions o;
  o.seed = seed;
  Simulator sim(o);
  EventLog log;
  log.attach(sim);
  const std::size_t n = std::getenv("SHOAL_SIM_BIG") ? 10'000 : 2'000;
  sim.add_converged_nodes(n);
  sim.run_for_ms(2'000);
  EXPECT_EQ(log.count(Event::kFailed), 0u) << repro(seed);
  EXPECT_GT(sim.net().udp_delivered, n * 2);  // every node probed a few times
}

}  // namespace
}  // namespace shoal::sim
