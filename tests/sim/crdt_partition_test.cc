// Desired state across a partition, on the simulator with real gossip (tests/sim/crdt_cluster.h):
// the cluster splits 50/50 or 1 vs N-1, both sides accept writes for a while (service create /
// scale / update / rollback / rm, node availability, task status), then the partition heals.
// Within a bound of anti-entropy intervals after the heal (the issue asks 3 with tombstone GC on;
// that fails today, see Bound below, so the enabled tests hold 6 without GC):
//   - every replica holds the same state;
//   - every acknowledged write that no later write (by HLC) to the same field superseded is what
//     every replica reads. A field's expected value is computed from the log of acknowledged
//     writes alone: availability = the write with the largest HLC; a node's task = that node's
//     latest write; a service = the largest-HLC write among those no later write replaced or
//     removed (services are add-wins: a remove deletes only the writes its node had seen, so a
//     write concurrent with it survives), absent if none is left.
// Every scenario parameter derives from one seed; a failure prints "reproduce with seed=N", and
// SHOAL_SIM_SEED=N replays it in the matching Replay* test.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <iostream>

#include "tests/sim/crdt_cluster.h"
#include "tests/sim/sim_harness.h"

namespace shoal::sim {
namespace {

using crdt::Availability;
using crdt::DesiredState;
using crdt::Dot;
using crdt::Service;
using crdt::TaskKey;
using crdt::TaskStatus;
using testing::CrdtCluster;

enum class Shape { kHalves, kOneVsRest };

std::string describe(const Service* s) {
  if (s == nullptr) return "absent";
  std::string args;
  for (const auto& a : s->spec.task.args) args += " " + a;
  return "v" + std::to_string(s->version) + " replicas=" + std::to_string(s->spec.replicas) + " args=[" + args +
         " ]";
}

std::string describe(const HlcTimestamp& at) {
  return std::to_string(at.wall_ms) + "." + std::to_string(at.logical);
}

// The acknowledged writes, by field, and what each field must read once every replica has them.
class WriteLog {
 public:
  void record(const DesiredState& delta) {
    for (const auto& [name, entry] : delta.services.entries) {
      Field& f = services_[name];
      for (const auto& [dot, reg] : entry.live) f.puts.push_back(reg);
      for (const auto& [dot, stone] : entry.removed) {
        auto [it, inserted] = f.removed.emplace(dot, stone.at);
        if (!inserted) it->second = std::min(it->second, stone.at);
      }
      ++writes_;
    }
    for (const auto& [node, reg] : delta.availability) {
      auto [it, inserted] = availability_.emplace(node, reg);
      if (!inserted && later(reg, it->second)) it->second = reg;
      ++writes_;
    }
    for (const auto& [writer, entries] : delta.tasks.writers) {
      for (const auto& [key, entry] : entries) {
        auto [it, inserted] = tasks_.emplace(std::pair{writer, key}, entry);
        if (!inserted && entry.counter > it->second.counter) {
          if (!(entry.at > it->second.at)) causality_errors_.push_back("task write by " + writer.name +
                                                                        " has a smaller HLC than its previous one");
          it->second = entry;
        }
        ++writes_;
      }
    }
  }

  std::size_t writes() const { return writes_; }

  // "" if `state` reads exactly what the log says, else the first few differences.
  std::string check(const std::string& who, const DesiredState& state) const {
    std::vector<std::string> errors = causality_errors_;
    check_services(state, errors);
    check_availability(state, errors);
    check_tasks(state, errors);
    std::string out;
    for (std::size_t i = 0; i < errors.size() && i < 5; ++i) out += "\n  " + who + ": " + errors[i];
    if (errors.size() > 5) out += "\n  " + who + ": ... " + std::to_string(errors.size() - 5) + " more";
    return out;
  }

 private:
  struct Field {
    std::vector<crdt::LwwRegister<Service>> puts;
    std::map<Dot, HlcTimestamp> removed;  // dots some write replaced or removed, and its HLC
  };

  static bool later(const crdt::LwwRegister<Availability>& a, const crdt::LwwRegister<Availability>& b) {
    return std::tie(a.at, a.dot.writer, a.dot.counter) > std::tie(b.at, b.dot.writer, b.dot.counter);
  }
  template <typename T>
  static bool later_put(const crdt::LwwRegister<T>& a, const crdt::LwwRegister<T>& b) {
    return std::tie(a.at, a.dot.writer, a.dot.counter) > std::tie(b.at, b.dot.writer, b.dot.counter);
  }

  void check_services(const DesiredState& state, std::vector<std::string>& errors) const {
    for (const auto& [name, f] : services_) {
      const crdt::LwwRegister<Service>* expected = nullptr;
      for (const auto& put : f.puts) {
        auto removed = f.removed.find(put.dot);
        if (removed == f.removed.end()) {
          if (expected == nullptr || later_put(put, *expected)) expected = &put;
        } else if (!(removed->second > put.at)) {
          // Only a write that had seen this one may replace it, so it must be later by HLC.
          errors.push_back("service " + name + ": a write at " + describe(put.at) + " was replaced by an earlier one at " +
                           describe(removed->second));
        }
      }
      const Service* got = state.service(name);
      const Service* want = expected == nullptr ? nullptr : &expected->value;
      if ((got == nullptr) != (want == nullptr) || (got != nullptr && *got != *want))
        errors.push_back("service " + name + " is " + describe(got) + ", expected " + describe(want) +
                         (expected ? " (written by " + expected->dot.writer.name + " at " + describe(expected->at) + ")"
                                   : " (removed)"));
    }
    for (const Service* s : state.all_services())
      if (!services_.count(s->name)) errors.push_back("service " + s->name + " was never written");
  }

  void check_availability(const DesiredState& state, std::vector<std::string>& errors) const {
    for (const auto& [node, want] : availability_) {
      auto it = state.availability.find(node);
      if (it == state.availability.end() || !(it->second == want))
        errors.push_back("availability of " + node.name + " is " +
                         (it == state.availability.end() ? std::string("unset") : crdt::to_string(it->second.value)) +
                         ", expected " + crdt::to_string(want.value) + " (written by " + want.dot.writer.name + " at " +
                         describe(want.at) + ")");
    }
    for (const auto& [node, reg] : state.availability)
      if (!availability_.count(node)) errors.push_back("availability of " + node.name + " was never written");
  }

  void check_tasks(const DesiredState& state, std::vector<std::string>& errors) const {
    for (const auto& [field, want] : tasks_) {
      const TaskStatus* got = state.task(field.first, field.second);
      const bool ok = want.value ? got != nullptr && *got == *want.value : got == nullptr;
      if (!ok)
        errors.push_back("task " + field.second.service + "." + std::to_string(field.second.slot) + " of " +
                         field.first.name + " is " + (got ? crdt::to_string(got->state) : "absent") + ", expected " +
                         (want.value ? crdt::to_string(want.value->state) : "deleted"));
    }
    for (const auto& [runner, task] : state.all_tasks())
      if (!tasks_.count({runner, task->key()})) errors.push_back("task of " + runner.name + " was never written");
  }

  std::map<std::string, Field> services_;
  std::map<NodeId, crdt::LwwRegister<Availability>> availability_;
  std::map<std::pair<NodeId, TaskKey>, crdt::WriterEntry<TaskStatus>> tasks_;
  std::vector<std::string> causality_errors_;
  std::size_t writes_ = 0;
};

// What replicas must agree on. With tombstone GC each node drops tombstones on its own round, so
// for a moment one holds a tombstone another has already collected: compare everything else.
DesiredState comparable(const DesiredState& s, bool gc) {
  if (!gc) return s;
  DesiredState out = s;
  for (auto it = out.services.entries.begin(); it != out.services.entries.end();) {
    it->second.removed.clear();
    it = it->second.live.empty() ? out.services.entries.erase(it) : std::next(it);
  }
  for (auto& [writer, entries] : out.tasks.writers) std::erase_if(entries, [](const auto& kv) { return !kv.second.value; });
  std::erase_if(out.tasks.writers, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

const std::array<const char*, 5> kServiceNames = {"web", "db", "cache", "api", "queue"};

crdt::ServiceSpec random_spec(Rng& rng) {
  crdt::ServiceSpec spec;
  spec.task.command = "/usr/bin/app";
  spec.task.args = {"--build=" + std::to_string(rng.below(1000))};
  spec.replicas = 1 + static_cast<std::uint32_t>(rng.below(9));
  return spec;
}

// One random user write on `node`, as the agent's commands issue them. Some fail (scale of a
// service this node does not see, rollback without a previous spec): those are not acknowledged.
Result<DesiredState> random_write(CrdtCluster& cluster, NodeIndex node, std::size_t n, Rng& rng) {
  const std::uint64_t kind = rng.below(100);
  if (kind < 45) {
    const std::string name = kServiceNames[rng.below(kServiceNames.size())];
    const bool exists = cluster.replica(node).state().service(name) != nullptr;
    const std::uint64_t op = rng.below(100);
    const crdt::ServiceSpec spec = random_spec(rng);
    const auto replicas = static_cast<std::uint32_t>(1 + rng.below(9));
    return cluster.write(node, [&](crdt::Replica& r, std::uint64_t now) -> Result<DesiredState> {
      if (!exists) return r.create_service(now, name, spec);
      if (op < 40) return r.scale_service(now, name, replicas);
      if (op < 65) return r.update_service(now, name, spec);
      if (op < 75) return r.rollback_service(now, name);
      return r.remove_service(now, name);
    });
  }
  if (kind < 70) {
    const NodeId target{"n" + std::to_string(rng.below(n))};
    const auto value = static_cast<Availability>(rng.below(3));
    return cluster.write(node, [&](crdt::Replica& r, std::uint64_t now) -> Result<DesiredState> {
      return r.set_availability(now, target, value);
    });
  }
  std::vector<TaskKey> mine;
  for (const auto& [runner, task] : cluster.replica(node).state().all_tasks())
    if (runner == cluster.replica(node).self()) mine.push_back(task->key());
  if (!mine.empty() && rng.chance(0.3)) {
    const TaskKey key = mine[rng.below(mine.size())];
    return cluster.write(node, [&](crdt::Replica& r, std::uint64_t now) { return r.delete_task(now, key); });
  }
  TaskStatus status;
  status.service = kServiceNames[rng.below(kServiceNames.size())];
  status.slot = static_cast<std::uint32_t>(rng.below(3));
  status.spec_version = 1 + rng.below(4);
  status.state = static_cast<crdt::TaskState>(rng.below(6));
  return cluster.write(node, [&](crdt::Replica& r, std::uint64_t now) -> Result<DesiredState> {
    status.since_ms = now;
    return r.put_task(now, status);
  });
}

// What the run is held to. The issue's property: tombstone GC on every round as the agent runs
// it, every replica equal within 3 anti-entropy intervals of the heal (kIssue). kNoGc also runs
// without GC, within 6 intervals, so a GC regression and a sync regression fail apart.
struct Bound {
  bool gc;
  std::uint64_t intervals;
  const char* replay_test;  // replays a seed under this bound
};

std::string repro(std::uint64_t seed, Shape shape, const Bound& bound) {
  const std::string test = std::string(bound.replay_test) + (shape == Shape::kHalves ? "Halves" : "OneVsRest");
  return "reproduce with seed=" + std::to_string(seed) + " (SHOAL_SIM_SEED=" + std::to_string(seed) +
         " --gtest_filter=CrdtPartition." + test + ")";
}

constexpr Bound kHoldsToday{false, 6, "Replay"};
constexpr Bound kIssue{true, 3, "ReplayIssueBound"};

struct Outcome {
  std::string failure;  // "" = the property held
  std::size_t n = 0;
  std::size_t writes = 0;
  std::uint64_t converged_after_ms = 0;  // from the heal to every replica equal (0: not within the bound)
  testing::CrdtStats stats;
};

// Every scenario parameter comes from `seed`.
Outcome run_scenario(std::uint64_t seed, Shape shape, const Bound& bound) {
  Rng params(seed);
  Outcome out;
  out.n = 10 + params.below(11);
  const std::array<double, 3> losses = {0.0, 0.05, 0.10};
  SimOptions o;
  o.seed = seed;
  o.faults.udp_loss = losses[params.below(losses.size())];
  // Up to 3 minutes: long enough for each side to declare the other failed, forget its digests
  // and collect tombstones.
  const std::uint64_t partition_ms = 15'000 + params.below(165'000);
  Simulator sim(o);
  sim.add_converged_nodes(out.n);
  testing::CrdtClusterOptions co;
  co.collect_garbage = bound.gc;
  CrdtCluster cluster(sim, co);
  WriteLog log;
  auto note = [&](const Result<DesiredState>& w) {
    if (w) log.record(*w);
  };
  const std::string where = " (n=" + std::to_string(out.n) + ", loss=" + std::to_string(o.faults.udp_loss) +
                            ", partition " + std::to_string(partition_ms) + " ms)";

  // Before the split: a few services every side knows, so both sides scale and remove them.
  for (int i = 0; i < 6; ++i) {
    note(random_write(cluster, static_cast<NodeIndex>(params.below(out.n)), out.n, params));
    cluster.run_for_ms(200);
  }
  cluster.run_for_ms(3'000);

  std::vector<NodeIndex> a, b;
  const std::size_t a_size = shape == Shape::kHalves ? out.n / 2 : 1;
  for (NodeIndex i = 0; i < out.n; ++i) (i < a_size ? a : b).push_back(i);
  sim.partition({a, b});
  const std::uint64_t heal_at = sim.now_ms() + partition_ms;
  for (std::size_t k = 0; sim.now_ms() < heal_at; ++k) {  // alternate sides
    const auto& side = k % 2 == 0 ? a : b;
    note(random_write(cluster, side[params.below(side.size())], out.n, params));
    cluster.run_for_ms(100 + params.below(600));
  }
  cluster.run_until_ms(heal_at);
  out.writes = log.writes();
  // The partition must have kept the sides apart, or the scenario proves nothing.
  if (comparable(cluster.replica(a[0]).state(), bound.gc) == comparable(cluster.replica(b[0]).state(), bound.gc)) {
    out.failure = "the sides did not diverge during the partition" + where;
    return out;
  }

  sim.heal();
  const std::uint64_t bound_ms = bound.intervals * co.crdt.anti_entropy_interval_ms;
  auto differing = [&] {
    std::string nodes;
    const DesiredState first = comparable(cluster.replica(0).state(), bound.gc);
    for (NodeIndex i = 1; i < out.n; ++i)
      if (!(comparable(cluster.replica(i).state(), bound.gc) == first)) nodes += " n" + std::to_string(i);
    return nodes;
  };
  for (std::uint64_t t = 100; t <= bound_ms && out.converged_after_ms == 0; t += 100) {
    cluster.run_until_ms(heal_at + t);
    if (differing().empty()) out.converged_after_ms = t;
  }
  cluster.run_until_ms(heal_at + bound_ms);
  out.stats = cluster.stats();
  if (out.stats.codec_errors != 0) {
    out.failure = "a state or digest we encoded did not decode" + where;
    return out;
  }
  if (const std::string nodes = differing(); !nodes.empty())
    out.failure = "replicas differ from n0 " + std::to_string(bound_ms) + " ms after the heal:" + nodes + where;
  std::string missing;
  for (NodeIndex i = 0; i < out.n; ++i) missing += log.check(sim.name(i), cluster.replica(i).state());
  if (!missing.empty())
    out.failure += (out.failure.empty() ? "" : "\n") + std::string("replicas do not read the unsuperseded writes") +
                   where + missing;
  return out;
}

void check_property(Shape shape, const Bound& bound) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const Outcome r = run_scenario(seed, shape, bound);
  if (!r.failure.empty()) RC_FAIL(r.failure + "\n" + repro(seed, shape, bound));
  RC_TAG(r.converged_after_ms <= 10'000   ? "converged within 1 interval"
         : r.converged_after_ms <= 30'000 ? "converged within 3 intervals"
                                          : "converged within 6 intervals");
}

RC_GTEST_PROP(CrdtPartition, HalvesHealToOneStateKeepingEveryUnsupersededWrite, ()) {
  check_property(Shape::kHalves, kHoldsToday);
}

RC_GTEST_PROP(CrdtPartition, OneVsRestHealsToOneStateKeepingEveryUnsupersededWrite, ()) {
  check_property(Shape::kOneVsRest, kHoldsToday);
}

// The issue's property, with GC and within 3 intervals. It found two bugs, both fixed (in the
// agent and mirrored by the harness):
//  - tombstone GC during a partition: each side saw the other failed and forget()-ed its digests,
//    so "every live member has seen the delete" held on one side alone and the tombstone went;
//    on heal the other side's older write came back with nothing to cancel it (seed 57, halves).
//    Now only members that left stop counting for GC.
//  - 1 vs N-1: the lone node's writes reached the rest only by random-peer anti-entropy, one
//    epidemic round per interval: 3 intervals were too few in ~40% of seeds (seed 4). Now a
//    member seen joining, or back after failed (a healed partition), gets a round at once.
RC_GTEST_PROP(CrdtPartition, HalvesHealWithinThreeIntervalsWithGc, ()) {
  check_property(Shape::kHalves, kIssue);
}

RC_GTEST_PROP(CrdtPartition, OneVsRestHealsWithinThreeIntervalsWithGc, ()) {
  check_property(Shape::kOneVsRest, kIssue);
}

void replay(Shape shape, const Bound& bound, std::uint64_t fallback_seed) {
  const std::uint64_t seed = testing::seed_or(fallback_seed);
  const Outcome r = run_scenario(seed, shape, bound);
  EXPECT_EQ(r.failure, "") << repro(seed, shape, bound);
  // The scenario must exercise both paths, or it proves nothing about them.
  EXPECT_GT(r.stats.gossip_merged, 0u);
  EXPECT_GT(r.stats.exchanges_done, 0u);
  std::cout << "seed=" << seed << " n=" << r.n << " writes=" << r.writes << " converged_after_ms=" << r.converged_after_ms
            << " gossip_merged=" << r.stats.gossip_merged << " ae_rounds=" << r.stats.rounds
            << " ae_exchanges=" << r.stats.exchanges_done << " ae_lost=" << r.stats.messages_lost
            << " gc_dropped=" << r.stats.gc_dropped << "\n";
}

// One seed (SHOAL_SIM_SEED, else a fixed one) per shape and bound: replays what a property found.
TEST(CrdtPartition, ReplayHalves) { replay(Shape::kHalves, kHoldsToday, 20260101); }
TEST(CrdtPartition, ReplayOneVsRest) { replay(Shape::kOneVsRest, kHoldsToday, 20260102); }
// Default seeds: the two failures described above, kept as regressions.
TEST(CrdtPartition, ReplayIssueBoundHalves) { replay(Shape::kHalves, kIssue, 57); }
TEST(CrdtPartition, ReplayIssueBoundOneVsRest) { replay(Shape::kOneVsRest, kIssue, 4); }

}  // namespace
}  // namespace shoal::sim
