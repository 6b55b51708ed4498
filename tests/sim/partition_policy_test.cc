// --on-partition on whole simulated nodes (sim/cluster.h; node/partition_fence.h), over many
// seeds: 5 nodes split 2|3 at random (the singleton's node on either side), writes none.
//   majority: no slot of a majority service ever runs on both sides, checked every 50 ms of the
//     partition (the runtime's stop takes up to 5 s here); the majority side runs every slot
//     90 s into the split; 60 s after the heal every slot runs exactly once. While views still
//     differ right after the heal a moved slot can start on two nodes for a moment (placement's
//     exactly-once holds once views agree): measured and printed, not asserted.
//   duplicate: after the heal every slot runs exactly once (sim/invariants.h).
// The check must be able to fail: the same scenario with the singleton as `duplicate` must find
// it running on both sides. SHOAL_SIM_SEEDS=K runs K seeds (default kDefaultSeeds), from
// SHOAL_SIM_SEED.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <cstdlib>
#include <map>
#include <set>

#include "common/rng.h"
#include "sim/cluster.h"
#include "sim/invariants.h"
#include "tests/sim/sim_harness.h"

namespace shoal::sim {
namespace {

constexpr std::uint64_t kDefaultSeeds = 24;
constexpr std::uint64_t kIsolationMs = 3'000;

crdt::ServiceSpec spec(OnPartition policy, std::uint32_t replicas) {
  crdt::ServiceSpec s;
  s.task.command = "/bin/app";
  s.replicas = replicas;
  s.partition.on_partition = policy;
  s.partition.isolation_timeout_ms = kIsolationMs;
  return s;
}

struct Outcome {
  std::string failure;  // "" = every check held
  bool db_minority = false;  // the singleton ran on the minority side when the split came
  // Measured, not asserted: while views still differ after the heal, two nodes that each place
  // a moved slot on themselves can both start it before either hears of the other (placement's
  // exactly-once holds once views agree). Slot-milliseconds of such overlap.
  std::uint64_t heal_overlap_ms = 0;
};

// Where each slot of `service` runs now (runtime truth, not gossip).
std::map<std::uint32_t, std::vector<std::string>> runners(const Cluster& c, const std::string& service) {
  std::map<std::uint32_t, std::vector<std::string>> out;
  for (NodeIndex i = 0; i < c.size(); ++i)
    if (c.up(i))
      for (const auto& t : c.runtime(i).live())
        if (t.service == service) out[t.slot].push_back(c.sim().name(i));
  return out;
}

// A slot running on both sides (`side_of` names each node's side; one side: any two nodes), with
// what each of those nodes decided last (their log tails).
std::string twice(const Cluster& c, const std::string& service, const char* phase,
                  const std::map<std::string, int>& side_of = {}) {
  for (const auto& [slot, nodes] : runners(c, service)) {
    std::set<int> sides;
    for (const auto& n : nodes) sides.insert(side_of.count(n) ? side_of.at(n) : static_cast<int>(sides.size()));
    if (sides.size() > 1) {
      std::string list, logs;
      for (const auto& n : nodes) {
        list += (list.empty() ? "" : ",") + n;
        for (NodeIndex i = 0; i < c.size(); ++i)
          if (c.sim().name(i) == n) {
            const auto& log = c.log(i);
            for (std::size_t k = log.size() > 8 ? log.size() - 8 : 0; k < log.size(); ++k)
              logs += "\n  " + n + ": " + log[k];
          }
      }
      return service + "." + std::to_string(slot) + " runs on " + list + " at " + std::to_string(c.now_ms()) +
             " ms (" + phase + ")" + logs;
    }
  }
  return "";
}

Outcome run(std::uint64_t seed, OnPartition db_policy) {
  ClusterOptions o;
  o.sim.seed = seed;
  o.sim.faults.udp_loss = 0.02;
  o.runtime.stop_delay_max_ms = 5'000;  // a slow stop: inside the fence margin's stop grace
  Cluster c(o);
  c.add_nodes(5);
  c.run_for_ms(5'000);
  if (!c.views_agree()) return {"views did not agree before the split"};
  const std::uint64_t wall = c.sim().wall_ms(0);
  for (auto [name, policy, n] : {std::tuple{"db", db_policy, 1u}, std::tuple{"web", OnPartition::kMajority, 3u}}) {
    auto s = c.write(0, [&](crdt::Replica& r) { return r.create_service(wall, name, spec(policy, n)); });
    if (!s) return {"create " + std::string(name) + ": " + s.message()};
  }
  c.run_for_ms(8'000);
  auto db = runners(c, "db");
  if (db[0].size() != 1) return {"db does not run once before the split"};
  // The split: the singleton's node on the minority side for odd seeds, the majority for even.
  Rng rng(seed);
  NodeIndex db_node = 0;
  for (NodeIndex i = 0; i < c.size(); ++i)
    if (c.sim().name(i) == db[0][0]) db_node = i;
  std::vector<NodeIndex> others;
  for (NodeIndex i = 0; i < c.size(); ++i)
    if (i != db_node) others.push_back(i);
  for (std::size_t i = others.size(); i > 1; --i) std::swap(others[i - 1], others[rng.below(i)]);
  Outcome out;
  out.db_minority = seed % 2 == 1;
  std::vector<NodeIndex> minority, majority;
  if (out.db_minority) {
    minority = {db_node, others[0]};
    majority = {others[1], others[2], others[3]};
  } else {
    minority = {others[0], others[1]};
    majority = {db_node, others[2], others[3]};
  }
  c.partition({minority, majority});
  std::map<std::string, int> side_of;
  for (NodeIndex i : minority) side_of[c.sim().name(i)] = 0;
  for (NodeIndex i : majority) side_of[c.sim().name(i)] = 1;
  for (std::uint64_t t = 0; t < 90'000; t += 50) {
    c.run_for_ms(50);
    for (const char* svc : {"db", "web"})
      if (auto e = twice(c, svc, "partition", side_of); !e.empty()) return out.failure = e, out;
  }
  // Liveness: the majority side runs every slot, the minority side none.
  std::set<std::string> majority_names;
  for (NodeIndex i : majority) majority_names.insert(c.sim().name(i));
  for (auto [svc, n] : {std::pair{"db", 1u}, std::pair{"web", 3u}}) {
    if (db_policy != OnPartition::kMajority && std::string(svc) == "db") continue;
    auto r = runners(c, svc);
    for (std::uint32_t slot = 0; slot < n; ++slot)
      if (r[slot].size() != 1 || !majority_names.count(r[slot][0])) {
        std::string where;
        for (const auto& n : r[slot]) where += " " + n;
        for (NodeIndex i : majority) {
          const auto a = c.assignment(i);
          for (const auto& u : a.unplaced)
            if (a.services[u.service] == svc && u.slot == slot) where += "; " + c.sim().name(i) + ": " + u.reason;
        }
        return out.failure = std::string(svc) + "." + std::to_string(slot) + " does not run once on the majority side "
                             "90 s into the split (runs on:" + where + ")", out;
      }
  }
  c.heal();
  for (std::uint64_t t = 0; t < 60'000; t += 50) {
    c.run_for_ms(50);
    for (const char* svc : {"db", "web"})
      if (!twice(c, svc, "heal").empty()) out.heal_overlap_ms += 50;
  }
  if (!c.views_agree()) return out.failure = "views did not agree 60 s after the heal", out;
  out.failure = check_exactly_once(c);
  return out;
}

std::uint64_t seeds() {
  const char* env = std::getenv("SHOAL_SIM_SEEDS");
  return env ? std::strtoull(env, nullptr, 10) : kDefaultSeeds;
}

TEST(PartitionPolicy, AMajorityServiceNeverRunsOnBothSidesAndHealsToExactlyOnce) {
  const std::uint64_t first = testing::seed_or(1);
  int minority_cases = 0, overlapping_heals = 0;
  std::uint64_t overlap_max_ms = 0;
  for (std::uint64_t seed = first; seed < first + seeds(); ++seed) {
    Outcome r = run(seed, OnPartition::kMajority);
    EXPECT_EQ(r.failure, "") << "seed " << seed << " (SHOAL_SIM_SEED=" << seed
                             << " SHOAL_SIM_SEEDS=1 --gtest_filter=PartitionPolicy.*)";
    minority_cases += r.db_minority;
    overlapping_heals += r.heal_overlap_ms > 0;
    overlap_max_ms = std::max(overlap_max_ms, r.heal_overlap_ms);
  }
  EXPECT_GT(minority_cases, 0) << "no seed put the singleton on the minority side: the property proved little";
  std::cout << "seeds=" << seeds() << " singleton_on_minority_side=" << minority_cases
            << " heals_with_a_transient_double_run=" << overlapping_heals << " longest_ms=" << overlap_max_ms << "\n";
}

// The property can fail: as `duplicate` the singleton runs on both sides of the split.
TEST(PartitionPolicy, ADuplicateSingletonIsCaughtRunningTwice) {
  std::string found;
  for (std::uint64_t seed = 1; seed <= 4 && found.empty(); ++seed) found = run(seed, OnPartition::kDuplicate).failure;
  EXPECT_NE(found.find("db.0 runs on"), std::string::npos) << found;
}

}  // namespace
}  // namespace shoal::sim
