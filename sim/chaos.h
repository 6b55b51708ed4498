// The whole-cluster chaos scenario: the simulator's standard property run, used by
// tests/sim/whole_cluster_test.cc and by `shoal sim`. One seed fixes every choice: cluster
// size, loss, clock skew, and a chaos phase of random writes from any node, partitions,
// crashes and restarts (state on disk kept), failed persists and failing tasks. Then a liveness
// phase heals everything, restarts every node and stops the faults, and three properties must
// hold within bounds derived from the config (see the constants in chaos.cc):
//   (a) each replica slot of each service runs exactly once cluster-wide (check_exactly_once);
//   (b) no acknowledged write is lost (sim/write_log.h);
//   (c) every node holds the same desired state (check_replicas_agree).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/cluster.h"

namespace shoal::sim {

struct ChaosOptions {
  std::size_t min_nodes = 4;  // the cluster has [min_nodes, max_nodes] nodes, by the seed
  std::size_t max_nodes = 7;
  std::uint64_t chaos_ms = 40'000;  // virtual time of the chaos phase
  // Called once the nodes exist, before virtual time runs: install observers or deliberate
  // bugs (Cluster::on_decision, accept_remote, set_disk_lying...). on_durable_delta is the
  // scenario's write log: chain it, do not replace it.
  std::function<void(Cluster&)> prepare;
};

struct ChaosOutcome {
  std::string failure;  // "" = every property held; else which and where
  std::size_t nodes = 0;
  double udp_loss = 0.0;
  std::uint64_t acked_writes = 0, crashes = 0, partitions = 0;
  std::uint64_t converged_ms = 0;  // from the heal until views and replicas agreed
  std::uint64_t trace = 0;         // the simulator's trace hash: same seed, same hash
};

ChaosOutcome run_chaos(std::uint64_t seed, const ChaosOptions& options = {});

// "shoal sim --seed N" (and the node range if not the default): what replays a run.
std::string reproduce_command(std::uint64_t seed, const ChaosOptions& options = {});

}  // namespace shoal::sim
