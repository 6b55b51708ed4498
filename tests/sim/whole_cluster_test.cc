// Whole-cluster properties on whole simulated nodes (sim/cluster.h: SWIM + node core + fake
// runtime + fake disk, wired as the agent wires them). One seed fixes every choice: cluster
// size, loss, clock skew, and a chaos phase of random writes from any node, partitions, crashes
// and restarts (state on disk kept), failed persists and failing tasks. Then a liveness phase
// heals everything and stops the faults, and the properties must hold within a bound:
//   (a) once views agree, each replica slot of each service runs exactly once cluster-wide,
//       on the node placement chose (sim/invariants.h check_exactly_once);
//   (b) no acknowledged write is lost (sim/write_log.h: every replica reads every write no
//       later write superseded);
//   (c) every node holds the same desired state (check_replicas_agree).
// A failure prints "reproduce with SHOAL_SIM_SEED=N"; SHOAL_SIM_SEEDS=K runs K seeds (default
// kDefaultSeeds, kept small for CI; `SHOAL_SIM_SEEDS=2000` for a soak).
// Each property is also run with a deliberate bug (DetectsBug* tests): a property that cannot
// fail proves nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "sim/cluster.h"
#include "sim/invariants.h"
#include "sim/write_log.h"
#include "tests/sim/cluster_writes.h"
#include "tests/sim/sim_harness.h"

namespace shoal::sim {
namespace {

using testing::random_write_ok;

constexpr std::uint64_t kDefaultSeeds = 100;
constexpr std::uint64_t kChaosMs = 40'000;
// Liveness bound after the heal: views agree within one capped join back-off (30 s) plus
// detection and gossip; then desired state within an anti-entropy interval or two.
constexpr std::uint64_t kConvergeBoundMs = 90'000;
// Then tasks: a few reconcile rounds, the longest start and stop, status gossip.
constexpr std::uint64_t kTasksBoundMs = 15'000;
// The properties must still hold this much later (stable, not a passing moment).
constexpr std::uint64_t kStableMs = 5'000;

// Deliberate bugs, each of which some property must catch.
enum class Bug {
  kNone,
  kIgnoresOwnAssignment,  // n1 never starts the tasks placement gives it
  kLyingDisk,             // persists report success and write nothing
  kDropsRemoteDeltas,     // n1 merges nothing it hears from peers
};

struct Outcome {
  std::string failure;  // "" = every property held
  std::size_t n = 0;
  std::uint64_t acked = 0, crashes = 0, partitions = 0;
  std::uint64_t converged_ms = 0;  // from the heal until views and replicas agreed
  std::uint64_t trace = 0;
};

std::uint64_t seeds_to_run() {
  const char* env = std::getenv("SHOAL_SIM_SEEDS");
  return env ? std::strtoull(env, nullptr, 10) : kDefaultSeeds;
}

void install(Cluster& c, Bug bug) {
  if (bug == Bug::kIgnoresOwnAssignment)
    c.on_decision = [](NodeIndex node, node::ReconcileDecision& d) {
      if (node == 1) d.actions.start.clear();
    };
  if (bug == Bug::kDropsRemoteDeltas) c.accept_remote = [](NodeIndex to, const node::RemoteDelta&) { return to != 1; };
}

Outcome run_chaos(std::uint64_t seed, Bug bug = Bug::kNone) {
  Rng params(seed);
  Outcome out;
  out.n = 4 + params.below(4);
  ClusterOptions o;
  o.sim.seed = seed;
  const double losses[] = {0.0, 0.05, 0.10};
  o.sim.faults.udp_loss = losses[params.below(3)];
  o.runtime.crash_per_task_second = params.chance(0.5) ? 0.01 : 0.0;
  o.persist_failure = 0.05;
  Cluster c(o);
  install(c, bug);
  WriteLog log;
  c.on_durable_delta = [&](NodeIndex, const crdt::DesiredState& d) { log.record(d); };
  c.add_nodes(out.n);
  for (NodeIndex i = 0; i < out.n; ++i) c.set_clock_skew(i, static_cast<std::int64_t>(params.below(3'001)) - 1'500);
  if (bug == Bug::kLyingDisk)
    for (NodeIndex i = 0; i < out.n; ++i) c.set_disk_lying(i, true);
  c.run_for_ms(3'000);

  auto up_node = [&]() -> std::optional<NodeIndex> {
    std::vector<NodeIndex> up;
    for (NodeIndex i = 0; i < out.n; ++i)
      if (c.up(i)) up.push_back(i);
    if (up.empty()) return std::nullopt;
    return up[params.below(up.size())];
  };
  for (int i = 0; i < 3; ++i) {
    if (random_write_ok(c, *up_node(), params)) ++out.acked;
    c.run_for_ms(300);
  }

  const std::uint64_t chaos_end = c.now_ms() + kChaosMs;
  while (c.now_ms() < chaos_end) {
    const std::uint64_t roll = params.below(100);
    if (roll < 45) {
      if (auto node = up_node(); node && random_write_ok(c, *node, params)) ++out.acked;
    } else if (roll < 53) {
      std::vector<std::vector<NodeIndex>> groups(2 + params.below(2));
      for (NodeIndex i = 0; i < out.n; ++i) groups[params.below(groups.size())].push_back(i);
      c.partition(groups);
      ++out.partitions;
    } else if (roll < 60) {
      c.heal();
    } else if (roll < 66) {
      if (auto node = up_node()) c.crash(*node), ++out.crashes;
    } else if (roll < 76) {
      const auto node = static_cast<NodeIndex>(params.below(out.n));
      if (!c.up(node)) c.restart(node);
    }
    c.run_for_ms(200 + params.below(600));
  }

  // Liveness: everything healed, every node back, no more faults.
  c.heal();
  for (NodeIndex i = 0; i < out.n; ++i)
    if (!c.up(i)) c.restart(i);
  Faults calm = o.sim.faults;
  calm.udp_loss = 0.0;
  c.sim().set_faults(calm);
  c.set_persist_failure(0.0);
  RuntimeFaults steady = o.runtime;
  steady.crash_per_task_second = 0.0;
  c.set_runtime_faults(steady);
  const std::uint64_t heal_at = c.now_ms();
  const std::string where = " (n=" + std::to_string(out.n) + ", loss=" + std::to_string(o.sim.faults.udp_loss) +
                            ", task crashes " + (o.runtime.crash_per_task_second > 0 ? "on" : "off") + ")";

  while (c.now_ms() - heal_at < kConvergeBoundMs && !(c.views_agree() && check_replicas_agree(c).empty()))
    c.run_for_ms(250);
  out.converged_ms = c.now_ms() - heal_at;
  auto all_properties = [&] {
    std::string f;
    if (!c.views_agree()) f += "\nviews do not agree";
    if (auto e = check_replicas_agree(c); !e.empty()) f += "\n(c) " + e;
    for (NodeIndex i = 0; i < out.n; ++i)
      if (auto e = log.check(c.sim().name(i), c.state(i)); !e.empty()) f += "\n(b) acknowledged writes lost:" + e;
    if (auto e = check_exactly_once(c); !e.empty()) f += "\n(a) " + e;
    return f;
  };
  const std::uint64_t tasks_end = c.now_ms() + kTasksBoundMs;
  while (c.now_ms() < tasks_end && !all_properties().empty()) c.run_for_ms(250);
  c.run_for_ms(kStableMs);
  out.failure = all_properties();
  if (!out.failure.empty()) out.failure = "after the heal" + where + ":" + out.failure;
  for (NodeIndex i = 0; i < out.n; ++i)
    if (c.counters(i).decode_errors != 0) out.failure += "\na state or digest we encoded did not decode";
  out.trace = c.sim().trace_hash();
  return out;
}

std::string repro(std::uint64_t seed) {
  return "reproduce with SHOAL_SIM_SEED=" + std::to_string(seed) + " --gtest_filter=WholeCluster.Replay";
}

TEST(WholeCluster, ChaosThenHealKeepsExactlyOnceNoLostWritesAndConverges) {
  const std::uint64_t first = testing::seed_or(1);
  std::uint64_t acked = 0, crashes = 0, partitions = 0, slowest = 0;
  for (std::uint64_t seed = first; seed < first + seeds_to_run(); ++seed) {
    const Outcome r = run_chaos(seed);
    EXPECT_EQ(r.failure, "") << repro(seed);
    acked += r.acked, crashes += r.crashes, partitions += r.partitions;
    slowest = std::max(slowest, r.converged_ms);
  }
  // The scenarios must have done what they claim, or they prove nothing.
  EXPECT_GT(acked, 0u);
  EXPECT_GT(crashes, 0u);
  EXPECT_GT(partitions, 0u);
  std::cout << "seeds=" << seeds_to_run() << " acked_writes=" << acked << " crashes=" << crashes
            << " partitions=" << partitions << " slowest_convergence_ms=" << slowest << "\n";
}

TEST(WholeCluster, Replay) {
  const std::uint64_t seed = testing::seed_or(1);
  const Outcome r = run_chaos(seed);
  EXPECT_EQ(r.failure, "") << repro(seed);
  std::cout << "seed=" << seed << " n=" << r.n << " acked=" << r.acked << " crashes=" << r.crashes
            << " partitions=" << r.partitions << " converged_ms=" << r.converged_ms << " trace=" << r.trace << "\n";
}

TEST(WholeCluster, SameSeedSameTrace) {
  EXPECT_EQ(run_chaos(7).trace, run_chaos(7).trace);
  EXPECT_NE(run_chaos(7).trace, run_chaos(8).trace);
}

// Each deliberate bug must make the named property fail on some of a few seeds.
std::string first_failure(Bug bug) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed)
    if (auto r = run_chaos(seed, bug); !r.failure.empty()) return r.failure;
  return "";
}

TEST(WholeCluster, DetectsANodeIgnoringItsAssignment) {
  EXPECT_NE(first_failure(Bug::kIgnoresOwnAssignment).find("(a)"), std::string::npos);
}
TEST(WholeCluster, DetectsALyingDisk) { EXPECT_NE(first_failure(Bug::kLyingDisk).find("(b)"), std::string::npos); }
TEST(WholeCluster, DetectsANodeDroppingRemoteDeltas) {
  EXPECT_NE(first_failure(Bug::kDropsRemoteDeltas).find("(c)"), std::string::npos);
}

}  // namespace
}  // namespace shoal::sim
