// Whole nodes on the simulator: each simulated node is the SWIM core (sim/simulator.h) plus a
// node core (node/node_core.h), wired the way the agent wires them (agent/state.cc drive and
// carry_out, agent/workload.cc act_on, agent/agent.cc on_events and on_user_payloads), with a
// fake runtime (sim/fake_runtime.h) and a fake disk in place of processes and files. Deltas go
// over the agent's own wire encodings (agent/user_message.h, agent/state_sync.h): gossip in
// the user channel, anti-entropy and too-large writes over the simulator's application streams.
//
// Everything derives from the simulator's seed: the same seed and the same calls give the same
// run (sim().trace_hash() proves it). A property builds a Cluster, writes through write(), adds
// faults (sim/faults.h, sim/runtime_faults.h, crash/restart, partitions, clock skew, disk
// failures), runs virtual time, and asserts with sim/invariants.h. See sim/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/node_core.h"
#include "placement/assignment.h"
#include "sim/fake_runtime.h"
#include "sim/simulator.h"

namespace shoal::sim {

// What a crash does to the node's disk (its state file and its remembered peers).
enum class Disk : std::uint8_t { kKept, kLost };

struct ClusterOptions {
  SimOptions sim;
  node::NodeConfig node;
  RuntimeFaults runtime;
  // Disk fault: each persist fails with this probability ("no space left on device"); a local
  // write then is answered with the error and never spread. Limit [0, 0.5]: above it little is
  // ever acknowledged and a property proves nothing.
  double persist_failure = 0.0;
};

shoal::Status validate(const ClusterOptions& o);

// Per-node counts, for a property to check its scenario did what it meant to.
struct NodeCounters {
  std::uint64_t writes_acked = 0;
  std::uint64_t writes_refused = 0;  // by the write itself, or a failed persist
  std::uint64_t persists = 0;
  std::uint64_t persist_failures = 0;
  std::uint64_t tasks_started = 0;
  std::uint64_t tasks_stopped = 0;
  std::uint64_t syncs_done = 0;      // anti-entropy exchanges whose reply came back
  std::uint64_t deltas_merged = 0;   // remote deltas handed to the core (gossip, reply, push)
  std::uint64_t decode_errors = 0;   // our own encodings failed to decode: always a bug
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // New nodes "n<i>" whose --join seed is node 0 ("a0"), as `shoal agent --join a0`: they meet
  // through their node cores' join retries, as real agents do.
  NodeIndex add_node();
  std::vector<NodeIndex> add_nodes(std::size_t n);

  // A local write on `node` (an API command), as Agent::commit_write: durable on the node's
  // disk, then applied, gossiped and acknowledged; or the write's error, the disk's error, or
  // "node down". The disk answers at once, so the answer is known on return.
  shoal::Status write(NodeIndex node, node::WriteOp op);

  // The machine stops: its tasks die with it, in-flight messages to it are dropped. With the
  // disk kept, its state file, peers file and task records survive (as runtime/ keeps them).
  void crash(NodeIndex node, Disk disk = Disk::kKept);
  // Boots it again: a new node core on what its disk holds, joining its seed and remembered peers.
  void restart(NodeIndex node);

  void partition(const std::vector<std::vector<NodeIndex>>& groups) { sim_.partition(groups); }
  void heal() { sim_.heal(); }
  // The node's wall clock runs skew_ms off (HLC stamps, since_ms); monotonic time is unaffected.
  void set_clock_skew(NodeIndex node, std::int64_t skew_ms) { sim_.set_clock_skew(node, skew_ms); }
  // Every persist of `node` fails while set (a full or read-only disk), on top of persist_failure.
  void set_disk_failing(NodeIndex node, bool failing);
  // A deliberate bug: `node`'s persists report success and write nothing.
  void set_disk_lying(NodeIndex node, bool lying);
  void set_persist_failure(double p);
  void set_runtime_faults(const RuntimeFaults& f);

  void run_until_ms(std::uint64_t t_ms) { sim_.run_until_ms(t_ms); }
  void run_for_ms(std::uint64_t d_ms) { sim_.run_for_ms(d_ms); }
  std::uint64_t now_ms() const { return sim_.now_ms(); }

  std::size_t size() const { return nodes_.size(); }
  bool up(NodeIndex node) const;
  const node::NodeCore& core(NodeIndex node) const;
  const crdt::DesiredState& state(NodeIndex node) const { return core(node).state(); }
  const FakeRuntime& runtime(NodeIndex node) const;
  std::vector<membership::Member> members(NodeIndex node) const { return sim_.swim(node).members(); }
  const NodeCounters& counters(NodeIndex node) const;
  // The node core's log lines and the shell's, last 200.
  const std::vector<std::string>& log(NodeIndex node) const;
  Simulator& sim() { return sim_; }
  const Simulator& sim() const { return sim_; }

  // Every up node sees exactly the up nodes alive (and no one suspect).
  bool views_agree() const;
  // What `node` would place now from its view and state (placement::place).
  placement::Assignment assignment(NodeIndex node) const;

  // Observers and deliberate bugs (to check that a property fails when it should):
  // every durable local delta of a node, as it is gossiped (acknowledged writes, task status)
  std::function<void(NodeIndex, const crdt::DesiredState&)> on_durable_delta;
  // a reconcile decision before the shell acts on it; may change it
  std::function<void(NodeIndex, node::ReconcileDecision&)> on_decision;
  // a remote delta before it reaches the core; false drops it
  std::function<bool(NodeIndex to, const node::RemoteDelta&)> accept_remote;

 private:
  struct Node;

  void boot(NodeIndex node);
  Now now(NodeIndex node) const { return {sim_.now_ms(), sim_.wall_ms(node)}; }
  void drive(NodeIndex node, node::NodeInput input);
  void carry_out(NodeIndex node, node::NodeOutput& out, node::NodeInput& next);
  void arm(NodeIndex node, std::uint64_t core_deadline_ms);
  void act_on(NodeIndex node, const node::ReconcileDecision& d, node::NodeInput& next);
  void report(NodeIndex node, const std::vector<TaskChange>& changes, node::NodeInput& next);
  void poll_runtime(NodeIndex node);
  Status persist(NodeIndex node, const Bytes& state);
  void broadcast_delta(NodeIndex node, const crdt::DesiredState& delta);
  void sync_with(NodeIndex node, const NodeId& peer);
  std::optional<Bytes> answer_stream(NodeIndex to, NodeIndex from, const Bytes& request);
  void on_event(NodeIndex node, const membership::Event& e);
  void on_user_payload(NodeIndex node, const membership::UserPayload& p);
  void note(NodeIndex node, std::string line);

  ClusterOptions options_;
  Simulator sim_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace shoal::sim
