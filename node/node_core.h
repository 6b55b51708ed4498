// The node core: the deterministic, sans-IO state machine that joins the protocol cores of one
// node. It owns the CRDT replica, anti-entropy, the join-sync rate limit, persistence
// scheduling, local-write commit, the settle gate and the reconcile decision
// (placement -> update plan -> start/stop/forget). The shell (agent/) moves bytes, reads the
// clock, writes files and drives the runtime; it decides nothing.
//
// One entry point, in the house style (quinn's endpoint): step(now, members, input) -> output,
// and output.next_deadline_ms says when to call step again with an empty input. No clock, no
// sockets, no threads; randomness only from the seed. Same inputs, same outputs.
//
// Local writes are durable before anyone hears of them: a write runs on a staged copy of the
// replica, the output asks the shell to persist the staged state, and only when the shell
// reports it durable is the delta merged into the live replica, broadcast and acknowledged. A
// failed persist leaves the live replica untouched, so the write is never spread (issue 13:
// writes answered "not persisted" reached every node through anti-entropy). Writes that
// arrive while one is being persisted wait, and are then persisted together (group commit).
//
// Not yet here (agent/ still holds it, see docs/design-notes.md): the SWIM core (the shell
// passes its member list and events in), the sync/gossip wire encoding, the network view.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/envelope.h"
#include "common/result.h"
#include "crdt/anti_entropy.h"
#include "crdt/desired_state.h"
#include "membership/swim.h"
#include "node/cluster_event.h"
#include "node/cluster_view.h"
#include "node/node_config.h"
#include "node/partition_fence.h"
#include "node/partition_watch.h"
#include "node/reconcile.h"
#include "node/settle_gate.h"
#include "node/update_events.h"
#include "placement/assignment.h"

namespace shoal::node {

// A local write (API command, or the node's own bookkeeping): runs on the staged replica and
// returns its delta, or why it cannot be done (crdt/service_ops.h errors, shown to the user).
using WriteOp = std::function<Result<crdt::DesiredState>(crdt::Replica&)>;

struct LocalWrite {
  std::uint64_t id = 0;  // the shell's; echoed in the WriteAck
  WriteOp op;
};

// What the runtime observed about one of this node's tasks (since_ms already in wall time: it
// is gossiped and compared with other nodes' clocks).
struct TaskReport {
  crdt::TaskStatus status;
  // A start that failed before the task existed: reported once per distinct error, not every
  // round the slot is retried.
  bool start_failure = false;
};

// A terminal task the runtime forgot: its status goes unless a newer version of the slot reports.
struct TaskForgotten {
  crdt::TaskKey key;
  std::uint64_t version = 0;
};

struct PersistRequest {
  std::uint64_t ticket = 0;
  Bytes state;  // crdt::encode_state of what must be on disk
};

struct PersistOutcome {
  std::uint64_t ticket = 0;
  Status result;
};

struct WriteAck {
  std::uint64_t id = 0;
  Status result;  // ok: durable here and on its way to the peers
};

// A delta another node sent (gossip, push, sync reply). `origin`: who sent it, for the error and
// the log line when it is refused or its clock is too far ahead (crdt::Replica::merge_remote).
struct RemoteDelta {
  NodeId origin;
  crdt::DesiredState delta;
};

// Where the core sends joins (run_join). Addresses are "host:port" and are compared as strings
// with membership::Member::addr: give seeds as the peers advertise themselves, or a seed that is
// a member is still retried (harmless, at the capped back-off).
struct JoinTargets {
  std::vector<std::string> seeds;       // --join
  std::vector<std::string> remembered;  // peers seen alive before (the agent's peers file)
};

struct NodeInput {
  std::vector<membership::Event> member_events;
  std::vector<RemoteDelta> remote_deltas;
  bool synced = false;  // a full anti-entropy exchange with a peer completed
  std::vector<NodeId> synced_with;  // ... the peers whose sync replies these were (set with `synced`)
  std::vector<LocalWrite> writes;
  std::vector<TaskReport> task_reports;
  std::vector<TaskForgotten> forgotten;
  std::vector<PersistOutcome> persisted;
  // The tasks this node runs; given when the last output asked for a reconcile.
  std::optional<std::vector<LocalTask>> local_tasks;
  bool reconcile_soon = false;  // the shell left work of a round undone (start budget)
};

// A shell drives the core by stepping until the input it gathers from carrying out an output is
// empty (has_work); input that arrives meanwhile (a nested callback) is queued and folded into
// the next round's (merge_input). Each round is caused by the previous one's outcome (persist ->
// ack -> reconcile -> task reports -> persist), a chain of a handful: more rounds than
// kMaxDriveRounds is a bug in the core, not load, and the shells assert it.
inline constexpr int kMaxDriveRounds = 64;
bool has_work(const NodeInput& in);
void merge_input(NodeInput& to, NodeInput&& from);

// A reconcile round's outcome: what to start, stop and forget, or nothing while unsettled.
struct ReconcileDecision {
  bool settled = false;
  ReconcileActions actions;
  placement::Assignment assignment;
  std::map<std::string, ServicePlan> plans;
};

struct NodeOutput {
  std::vector<PersistRequest> persist;      // write each, then report the outcome
  std::vector<crdt::DesiredState> broadcast;  // durable local deltas for every peer
  std::vector<NodeId> sync_with;            // start an anti-entropy exchange with each
  std::vector<WriteAck> acks;
  // Send a join to each of these now: join targets not in the alive view (empty: none due).
  std::vector<std::string> join;
  bool join_retry = false;  // ... a retry while no peer is alive: tell the operator what to check
  bool reconcile = false;  // call step again with local_tasks
  std::optional<ReconcileDecision> decision;
  std::vector<std::string> log;  // lines for the operator
  // What changed, as this node saw it (node/state_events.h); the shell stamps and keeps them
  // (node/event_log.h) for `shoal events`.
  std::vector<ClusterEvent> events;
  std::uint64_t next_deadline_ms = 0;  // monotonic; call step(now >= this, {}) then
};

class NodeCore {
 public:
  // `state`: what was on disk (empty on a first start). `join`: whom to keep joining; a node
  // with --join seeds waits for a peer before acting (node/settle_gate.h).
  NodeCore(NodeId self, NodeConfig config, std::uint64_t seed, const Now& now, crdt::DesiredState state,
           JoinTargets join);

  NodeOutput step(const Now& now, const std::vector<membership::Member>& members, NodeInput input);

  const crdt::DesiredState& state() const { return replica_.state(); }
  // Where every slot runs now as this node decides it (placement, then the partition policies),
  // for `service ps` and the APIs; changes nothing.
  placement::Assignment assignment(const Now& now, const std::vector<membership::Member>& members) const;
  const NodeId& self() const { return self_; }
  // Anti-entropy answers a peer's digest at once (a stream request needs its reply now).
  crdt::DesiredState on_peer_digest(const NodeId& peer, const crdt::Digest& digest);
  crdt::Digest digest() const { return anti_entropy_.digest(replica_.state()); }

  bool settled() const { return settle_.is_settled(); }
  // Reconcile rounds decided since start while settled: tests wait on it for "nothing changed".
  std::uint64_t reconcile_rounds() const { return reconcile_rounds_; }
  std::uint64_t persist_failures() const { return persist_failures_; }
  // Anti-entropy rounds this node started (a digest sent to one live peer), for metrics.
  std::uint64_t sync_rounds() const { return sync_rounds_; }

 private:
  struct InFlight {
    std::uint64_t ticket = 0;
    crdt::DesiredState delta;
    std::vector<std::uint64_t> ids;  // writes acknowledged when it is durable
  };

  void on_member_event(const Now& now, const membership::Event& e, NodeOutput& out);
  void on_persisted(const Now& now, const PersistOutcome& p, NodeOutput& out);
  void queue_task_writes(const Now& now, NodeInput& input);
  void start_next_commit(NodeOutput& out);
  void merge_remote(const Now& now, const RemoteDelta& remote, NodeOutput& out);
  void run_join(const Now& now, const std::vector<membership::Member>& members, NodeOutput& out);
  void run_deadlines(const Now& now, const std::vector<membership::Member>& members, NodeOutput& out);
  ReconcileDecision decide(const Now& now, const std::vector<membership::Member>& members,
                           const std::vector<LocalTask>& local, NodeOutput& out);
  void queue_rollbacks(const Now& now, const std::vector<membership::Member>& members,
                       const std::map<std::string, ServicePlan>& plans, NodeOutput& out);
  void request_reconcile(const Now& now);
  void record_agreed_nodes(const Now& now, const std::vector<membership::Member>& members);
  std::uint64_t next_deadline() const;

  NodeId self_;
  NodeConfig config_;
  crdt::Replica replica_;
  crdt::AntiEntropy anti_entropy_;
  SettleGate settle_;
  std::uint64_t next_ticket_ = 1;
  std::optional<InFlight> in_flight_;       // the local writes being persisted
  std::deque<LocalWrite> queued_writes_;    // behind it; bounded by max_queued_writes
  std::optional<std::uint64_t> background_ticket_;  // a debounced persist of remote merges
  std::optional<std::uint64_t> persist_due_ms_;     // remote merges not yet on disk
  std::optional<std::uint64_t> reconcile_due_ms_;   // coalesced reconcile request
  std::uint64_t periodic_due_ms_ = 0;
  UpdateMarks update_marks_;  // rolling-update phases of the last round (node/update_events.h)
  PartitionWatch partition_watch_;  // partition suspected/healed events (node/partition_watch.h)
  PartitionFence fence_;            // --on-partition majority|pinned (node/partition_fence.h)
  // Members seen coming back (joined, or alive again after failed) that this node has not yet
  // had a sync reply from: until then its state may lack what they ran meanwhile, and the fence
  // starts no majority slot (node/partition_fence.h).
  std::set<std::string> catch_up_from_;
  // Service -> the agreed node set this node last queued a write of (one write per change).
  std::map<std::string, std::vector<std::string>> agreed_queued_;
  std::vector<std::string> join_targets_;     // seeds then remembered peers, deduplicated
  std::optional<std::uint64_t> join_due_ms_;  // some target was missing from the alive view
  std::uint64_t join_view_ = 0;               // fingerprint of the alive view at the last step
  // Origin -> when we last logged that its timestamps ran too far ahead (once a minute each:
  // a node with a wrong clock sends deltas all the time).
  std::map<std::string, std::uint64_t> clock_ahead_logged_ms_;
  std::uint64_t join_backoff_ms_ = 0;
  std::uint32_t join_attempts_ = 0;
  std::uint64_t join_sync_window_start_ms_ = 0;
  std::uint32_t join_syncs_in_window_ = 0;
  std::uint64_t reconcile_rounds_ = 0;
  std::uint64_t persist_failures_ = 0;
  std::uint64_t sync_rounds_ = 0;
};

}  // namespace shoal::node
