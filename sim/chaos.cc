#include "sim/chaos.h"

#include "sim/invariants.h"
#include "sim/random_writes.h"
#include "sim/write_log.h"

namespace shoal::sim {

namespace {

// Liveness bound after the heal: views agree within one capped join back-off (30 s) plus
// detection and gossip; then desired state within an anti-entropy interval or two.
constexpr std::uint64_t kConvergeBoundMs = 90'000;
// Then tasks: a few reconcile rounds, the longest start and stop, status gossip.
constexpr std::uint64_t kTasksBoundMs = 15'000;
// Once they hold, the run goes on for two anti-entropy intervals and a second and they must
// hold again: stable, not a passing moment. Two intervals because a status written just
// before the first check may miss a node by gossip (epidemic, not reliable) and reach it only
// by anti-entropy, whose round picks a random peer (seed 1760 with one interval).
std::uint64_t stable_ms(const ClusterOptions& o) { return 2 * o.node.crdt.anti_entropy_interval_ms + 1'000; }

}  // namespace

ChaosOutcome run_chaos(std::uint64_t seed, const ChaosOptions& options) {
  Rng params(seed);
  ChaosOutcome out;
  SHOAL_ASSERT(options.min_nodes >= 2 && options.min_nodes <= options.max_nodes);
  out.nodes = options.min_nodes + params.below(options.max_nodes - options.min_nodes + 1);
  ClusterOptions o;
  o.sim.seed = seed;
  const double losses[] = {0.0, 0.05, 0.10};
  o.sim.faults.udp_loss = losses[params.below(3)];
  out.udp_loss = o.sim.faults.udp_loss;
  o.runtime.crash_per_task_second = params.chance(0.5) ? 0.01 : 0.0;
  o.persist_failure = 0.05;
  Cluster c(o);
  WriteLog log;
  c.on_durable_delta = [&](NodeIndex, const crdt::DesiredState& d) { log.record(d); };
  c.add_nodes(out.nodes);
  if (options.prepare) options.prepare(c);
  for (NodeIndex i = 0; i < out.nodes; ++i) c.set_clock_skew(i, static_cast<std::int64_t>(params.below(3'001)) - 1'500);
  c.run_for_ms(3'000);

  auto up_node = [&]() -> std::optional<NodeIndex> {
    std::vector<NodeIndex> up;
    for (NodeIndex i = 0; i < out.nodes; ++i)
      if (c.up(i)) up.push_back(i);
    if (up.empty()) return std::nullopt;
    return up[params.below(up.size())];
  };
  for (int i = 0; i < 3; ++i) {
    if (random_write(c, *up_node(), params).ok()) ++out.acked_writes;
    c.run_for_ms(300);
  }

  const std::uint64_t chaos_end = c.now_ms() + options.chaos_ms;
  while (c.now_ms() < chaos_end) {
    const std::uint64_t roll = params.below(100);
    if (roll < 45) {
      if (auto node = up_node(); node && random_write(c, *node, params).ok()) ++out.acked_writes;
    } else if (roll < 53) {
      std::vector<std::vector<NodeIndex>> groups(2 + params.below(2));
      for (NodeIndex i = 0; i < out.nodes; ++i) groups[params.below(groups.size())].push_back(i);
      c.partition(groups);
      ++out.partitions;
    } else if (roll < 60) {
      c.heal();
    } else if (roll < 66) {
      if (auto node = up_node()) c.crash(*node), ++out.crashes;
    } else if (roll < 76) {
      const auto node = static_cast<NodeIndex>(params.below(out.nodes));
      if (!c.up(node)) c.restart(node);
    }
    c.run_for_ms(200 + params.below(600));
  }

  // Liveness: everything healed, every node back, no more faults.
  c.heal();
  for (NodeIndex i = 0; i < out.nodes; ++i)
    if (!c.up(i)) c.restart(i);
  Faults calm = o.sim.faults;
  calm.udp_loss = 0.0;
  c.sim().set_faults(calm);
  c.set_persist_failure(0.0);
  RuntimeFaults steady = o.runtime;
  steady.crash_per_task_second = 0.0;
  c.set_runtime_faults(steady);
  const std::uint64_t heal_at = c.now_ms();
  const std::string where = " (n=" + std::to_string(out.nodes) + ", loss=" + std::to_string(o.sim.faults.udp_loss) +
                            ", task crashes " + (o.runtime.crash_per_task_second > 0 ? "on" : "off") + ")";

  while (c.now_ms() - heal_at < kConvergeBoundMs && !(c.views_agree() && check_replicas_agree(c).empty()))
    c.run_for_ms(250);
  out.converged_ms = c.now_ms() - heal_at;
  auto all_properties = [&] {
    std::string f;
    if (!c.views_agree()) f += "\nviews do not agree";
    if (auto e = check_replicas_agree(c); !e.empty()) f += "\n(c) " + e;
    for (NodeIndex i = 0; i < out.nodes; ++i)
      if (auto e = log.check(c.sim().name(i), c.state(i)); !e.empty()) f += "\n(b) acknowledged writes lost:" + e;
    if (auto e = check_exactly_once(c); !e.empty()) f += "\n(a) " + e;
    return f;
  };
  const std::uint64_t tasks_end = c.now_ms() + kTasksBoundMs;
  while (c.now_ms() < tasks_end && !all_properties().empty()) c.run_for_ms(250);
  c.run_for_ms(stable_ms(o));
  out.failure = all_properties();
  if (!out.failure.empty()) out.failure = "after the heal" + where + ":" + out.failure;
  for (NodeIndex i = 0; i < out.nodes; ++i)
    if (c.counters(i).decode_errors != 0) out.failure += "\na state or digest we encoded did not decode";
  out.trace = c.sim().trace_hash();
  return out;
}

std::string reproduce_command(std::uint64_t seed, const ChaosOptions& options) {
  std::string cmd = "shoal sim --seed " + std::to_string(seed);
  const ChaosOptions defaults;
  if (options.min_nodes != defaults.min_nodes || options.max_nodes != defaults.max_nodes)
    cmd += " --nodes " + std::to_string(options.min_nodes) + "-" + std::to_string(options.max_nodes);
  if (options.chaos_ms != defaults.chaos_ms) cmd += " --chaos-ms " + std::to_string(options.chaos_ms);
  return cmd;
}

}  // namespace shoal::sim
