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
// The scenario is sim/chaos.h. A failure prints "reproduce with: shoal sim --seed N" (or
// SHOAL_SIM_SEED=N with the Replay test); SHOAL_SIM_SEEDS=K runs K seeds from SHOAL_SIM_SEED
// (default kDefaultSeeds, ~3 s of CPU; `SHOAL_SIM_SEEDS=2000` for a soak).
// Each property is also run with a deliberate bug (DetectsBug* tests): a property that cannot
// fail proves nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "sim/chaos.h"
#include "tests/sim/sim_harness.h"

namespace shoal::sim {
namespace {

constexpr std::uint64_t kDefaultSeeds = 100;

// Deliberate bugs, each of which some property must catch.
enum class Bug {
  kIgnoresOwnAssignment,  // n1 never starts the tasks placement gives it
  kLyingDisk,             // persists report success and write nothing
  kDropsRemoteDeltas,     // n1 merges nothing it hears from peers
};

ChaosOptions with_bug(Bug bug) {
  ChaosOptions o;
  o.prepare = [bug](Cluster& c) {
    if (bug == Bug::kIgnoresOwnAssignment)
      c.on_decision = [](NodeIndex node, node::ReconcileDecision& d) {
        if (node == 1) d.actions.start.clear();
      };
    if (bug == Bug::kDropsRemoteDeltas) c.accept_remote = [](NodeIndex to, const node::RemoteDelta&) { return to != 1; };
    if (bug == Bug::kLyingDisk)
      for (NodeIndex i = 0; i < c.size(); ++i) c.set_disk_lying(i, true);
  };
  return o;
}

std::uint64_t seeds_to_run() {
  const char* env = std::getenv("SHOAL_SIM_SEEDS");
  return env ? std::strtoull(env, nullptr, 10) : kDefaultSeeds;
}

std::string repro(std::uint64_t seed) {
  return "reproduce with: " + reproduce_command(seed) + "  (or SHOAL_SIM_SEED=" + std::to_string(seed) +
         " --gtest_filter=WholeCluster.Replay)";
}

TEST(WholeCluster, ChaosThenHealKeepsExactlyOnceNoLostWritesAndConverges) {
  const std::uint64_t first = testing::seed_or(1);
  std::uint64_t acked = 0, crashes = 0, partitions = 0, slowest = 0;
  for (std::uint64_t seed = first; seed < first + seeds_to_run(); ++seed) {
    const ChaosOutcome r = run_chaos(seed);
    EXPECT_EQ(r.failure, "") << repro(seed);
    acked += r.acked_writes, crashes += r.crashes, partitions += r.partitions;
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
  const ChaosOutcome r = run_chaos(seed);
  EXPECT_EQ(r.failure, "") << repro(seed);
  std::cout << "seed=" << seed << " nodes=" << r.nodes << " acked=" << r.acked_writes << " crashes=" << r.crashes
            << " partitions=" << r.partitions << " converged_ms=" << r.converged_ms << " trace=" << r.trace << "\n";
}

TEST(WholeCluster, SameSeedSameTrace) {
  EXPECT_EQ(run_chaos(7).trace, run_chaos(7).trace);
  EXPECT_NE(run_chaos(7).trace, run_chaos(8).trace);
}

// Each deliberate bug must make the named property fail on one of a few seeds.
std::string first_failure(Bug bug) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed)
    if (auto r = run_chaos(seed, with_bug(bug)); !r.failure.empty()) return r.failure;
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
