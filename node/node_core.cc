#include "node/node_core.h"

#include <algorithm>
#include <set>

#include "crdt/codec.h"
#include "node/state_events.h"
#include "node/update_events.h"
#include "placement/place.h"

namespace shoal::node {

namespace {

// A node with a wrong clock sends deltas all the time: one log line per origin per minute.
constexpr std::uint64_t kClockAheadLogIntervalMs = 60'000;

bool expects_peers(const NodeId& self, const crdt::DesiredState& state, bool has_seeds) {
  if (has_seeds) return true;
  for (const auto& [runner, task] : state.all_tasks())
    if (runner != self) return true;
  return false;
}

void append_events(NodeOutput& out, std::vector<ClusterEvent> events) {
  for (auto& e : events) out.events.push_back(std::move(e));
}

bool alive_or_suspect(const membership::Member& m) {
  return m.status == membership::MemberStatus::kAlive || m.status == membership::MemberStatus::kSuspect;
}

std::vector<NodeId> live_peers(const NodeId& self, const std::vector<membership::Member>& members) {
  std::vector<NodeId> out;
  for (const auto& m : members)
    if (m.id != self && alive_or_suspect(m)) out.push_back(m.id);
  return out;
}

// A member counts as in the view while alive or suspect: suspicion is often transient, and a
// join to a suspect member would only repeat what SWIM is already resolving.
bool in_view(const membership::Member& m) { return alive_or_suspect(m); }

// Order-independent fingerprint of the addresses in the view (FNV-1a of each, summed, with the
// count mixed in). A collision only delays a back-off reset to the next capped retry.
std::uint64_t view_fingerprint(const std::vector<membership::Member>& members) {
  std::uint64_t sum = 0, count = 0;
  for (const auto& m : members) {
    if (!in_view(m)) continue;
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : m.addr) h = (h ^ c) * 1099511628211ull;
    sum += h;
    ++count;
  }
  return sum ^ (count * 0x9e3779b97f4a7c15ull);
}

std::vector<std::string> dedupe_targets(JoinTargets t) {
  std::vector<std::string> out;
  for (auto* list : {&t.seeds, &t.remembered})
    for (auto& addr : *list)
      if (!addr.empty() && std::find(out.begin(), out.end(), addr) == out.end()) out.push_back(std::move(addr));
  return out;
}

// Whose digests must show a tombstone's event before it is collected: every member that has not
// left (a failed one may be cut off and come back), and every node that ever wrote and that our
// SWIM view does not list at all. A restarted node's view lacks members that were down while
// it rejoined (push-pull does not teach failed members), and such a member may still hold a
// write deleted meanwhile: collecting the tombstone without it brought the write back when it
// returned (found by the whole-node simulator, tests/sim/whole_cluster_test.cc). The price: a
// writer that left and was reaped from the view (dead_member_retention_ms) keeps tombstones
// until the horizon (crdt/config.h) instead of until every live peer saw them.
std::vector<NodeId> gc_peers_of(const NodeId& self, const std::vector<membership::Member>& members,
                                const crdt::DesiredState& state) {
  std::vector<NodeId> out;
  std::set<NodeId> listed;
  for (const auto& m : members) {
    listed.insert(m.id);
    if (m.id != self && m.status != membership::MemberStatus::kLeft) out.push_back(m.id);
  }
  auto add_writer = [&](const NodeId& w) {
    if (w != self && listed.insert(w).second) out.push_back(w);
  };
  for (const auto& [writer, counter] : state.seen.vv()) add_writer(writer);
  for (const auto& dot : state.seen.cloud()) add_writer(dot.writer);
  return out;
}

std::size_t alive_count(const std::vector<membership::Member>& members) {
  return static_cast<std::size_t>(std::count_if(members.begin(), members.end(), [](const membership::Member& m) {
    return m.status == membership::MemberStatus::kAlive;
  }));
}

}  // namespace

NodeCore::NodeCore(NodeId self, NodeConfig config, std::uint64_t seed, const Now& now, crdt::DesiredState state,
                   JoinTargets join)
    : self_(self),
      config_(config),
      replica_(self),
      anti_entropy_(config.crdt, seed, now.mono_ms),
      settle_(expects_peers(self, state, !join.seeds.empty()), now.mono_ms, config.settle_timeout_ms),
      periodic_due_ms_(now.mono_ms),
      partition_watch_(self.name),
      fence_(self.name, config.fence_margin_ms),
      join_targets_(dedupe_targets(std::move(join))),
      join_backoff_ms_(config.join_backoff_first_ms) {
  SHOAL_ASSERT(config_.reconcile_interval_ms > 0);
  SHOAL_ASSERT(config_.join_backoff_first_ms > 0 && config_.join_backoff_first_ms <= config_.join_backoff_max_ms);
  if (!join_targets_.empty()) join_due_ms_ = now.mono_ms;
  replica_.restore(std::move(state));
}

NodeOutput NodeCore::step(const Now& now, const std::vector<membership::Member>& members, NodeInput input) {
  NodeOutput out;
  for (const auto& p : input.persisted) on_persisted(now, p, out);
  for (const auto& e : input.member_events) on_member_event(now, e, out);
  for (const auto& remote : input.remote_deltas) merge_remote(now, remote, out);
  if (input.synced && !catch_up_from_.empty()) {
    // A sync reply carries the peer's whole difference: caught up with that peer.
    for (const auto& peer : input.synced_with) catch_up_from_.erase(peer.name);
    if (catch_up_from_.empty()) request_reconcile(now);
  }
  if (input.synced && !settle_.is_settled()) {
    settle_.on_synced();
    // Check the gate now, not at the next periodic round.
    if (!reconcile_due_ms_ || *reconcile_due_ms_ > now.mono_ms) reconcile_due_ms_ = now.mono_ms;
  }
  if (input.local_tasks) out.decision = decide(now, members, *input.local_tasks, out);
  if (input.reconcile_soon) request_reconcile(now);
  queue_task_writes(now, input);
  for (auto& w : input.writes) {
    if (queued_writes_.size() >= config_.max_queued_writes) {
      out.acks.push_back({w.id, make_error("too many writes waiting for the disk on this node; retry shortly")});
      continue;
    }
    queued_writes_.push_back(std::move(w));
  }
  start_next_commit(out);
  run_deadlines(now, members, out);
  out.next_deadline_ms = next_deadline();
  return out;
}

crdt::DesiredState NodeCore::on_peer_digest(const NodeId& peer, const crdt::Digest& digest) {
  return anti_entropy_.on_digest(peer, digest, replica_.state());
}

void NodeCore::on_member_event(const Now& now, const membership::Event& e, NodeOutput& out) {
  out.events.push_back(member_event(e));
  if (auto partition = partition_watch_.on_member_event(e, now.mono_ms)) out.events.push_back(std::move(*partition));
  if (e.kind == membership::Event::kJoined && e.member.id != self_) catch_up_from_.insert(e.member.id.name);
  if (e.kind == membership::Event::kFailed || e.kind == membership::Event::kLeft) catch_up_from_.erase(e.member.id.name);
  // Only a member that left stops counting for tombstone GC: a failed one may be partitioned
  // away and come back holding a deleted write (found by tests/sim/crdt_partition_test.cc).
  if (e.kind == membership::Event::kLeft) anti_entropy_.forget(e.member.id);
  // A member seen joining, or back after failed/left (a healed partition): one anti-entropy
  // round with it now rather than waiting for random rounds to reach it (a joining node gets
  // the full state this way). Bounded, so a node joining a large cluster does not sync with
  // every member at once.
  if (e.kind == membership::Event::kJoined && e.member.id != self_) {
    if (now.mono_ms - join_sync_window_start_ms_ >= 1000) {
      join_sync_window_start_ms_ = now.mono_ms;
      join_syncs_in_window_ = 0;
    }
    if (join_syncs_in_window_++ < config_.join_syncs_per_second) out.sync_with.push_back(e.member.id);
  }
  request_reconcile(now);
}

void NodeCore::on_persisted(const Now& now, const PersistOutcome& p, NodeOutput& out) {
  if (background_ticket_ == p.ticket) {
    background_ticket_.reset();
    if (!p.result) {
      ++persist_failures_;
      out.log.push_back("cannot persist state: " + p.result.message());
      persist_due_ms_ = now.mono_ms + config_.persist_debounce_ms;  // try again later
    }
    return;
  }
  if (!in_flight_ || in_flight_->ticket != p.ticket) return;  // not ours (a stale report)
  InFlight done = std::move(*in_flight_);
  in_flight_.reset();
  if (!p.result) {
    // The live replica never saw these writes: dropping them here is all the undo needed.
    ++persist_failures_;
    for (std::uint64_t id : done.ids)
      if (id != 0) out.acks.push_back({id, make_error("write not persisted: " + p.result.message())});
    if (std::none_of(done.ids.begin(), done.ids.end(), [](std::uint64_t id) { return id != 0; }))
      out.log.push_back("cannot persist this node's task status: " + p.result.message());
    return;
  }
  StateProbe probe(replica_.state(), done.delta);
  replica_.merge(done.delta);
  append_events(out, probe.events(replica_.state()));
  out.broadcast.push_back(std::move(done.delta));
  for (std::uint64_t id : done.ids)
    if (id != 0) out.acks.push_back({id, Status{}});
  request_reconcile(now);
}

// Task status is written only by this node, as one write per step (one file write for a burst).
void NodeCore::queue_task_writes(const Now& now, NodeInput& input) {
  if (input.task_reports.empty() && input.forgotten.empty()) return;
  std::vector<TaskReport> reports = std::move(input.task_reports);
  std::vector<TaskForgotten> forgotten = std::move(input.forgotten);
  const std::uint64_t wall_ms = now.wall_ms;
  const NodeId self = self_;
  WriteOp op = [reports, forgotten, wall_ms, self](crdt::Replica& r) -> Result<crdt::DesiredState> {
    crdt::DesiredState batch;
    for (const auto& rep : reports) {
      const crdt::TaskStatus& st = rep.status;
      const crdt::TaskStatus* prev = r.state().task(self, st.key());
      // A retiring old-version task must not overwrite the status of the slot's new task.
      if (prev && prev->spec_version > st.spec_version) continue;
      if (rep.start_failure && prev && prev->state == st.state && prev->error == st.error &&
          prev->spec_version == st.spec_version)
        continue;  // the same failure again: already reported
      batch.merge(r.put_task(wall_ms, st));
    }
    for (const auto& f : forgotten) {
      const crdt::TaskStatus* st = r.state().task(self, f.key);
      if (!st || st->spec_version != f.version) continue;  // a newer version of the slot reports
      if (auto delta = r.delete_task(wall_ms, f.key); delta.ok()) batch.merge(*delta);
    }
    return batch;
  };
  queued_writes_.push_back({0, std::move(op)});
}

// Stages every queued write on a copy of the replica and asks for the copy to be persisted.
void NodeCore::start_next_commit(NodeOutput& out) {
  if (in_flight_ || queued_writes_.empty()) return;
  crdt::Replica staged = replica_;
  InFlight commit;
  while (!queued_writes_.empty()) {
    LocalWrite w = std::move(queued_writes_.front());
    queued_writes_.pop_front();
    auto delta = w.op(staged);
    if (!delta) {
      if (w.id != 0) out.acks.push_back({w.id, delta.error()});
      continue;
    }
    commit.delta.merge(*delta);
    commit.ids.push_back(w.id);
  }
  if (commit.ids.empty()) return;
  if (commit.delta.empty()) {  // nothing to write (e.g. a repeated failure report)
    for (std::uint64_t id : commit.ids)
      if (id != 0) out.acks.push_back({id, Status{}});
    return;
  }
  commit.ticket = next_ticket_++;
  out.persist.push_back({commit.ticket, crdt::encode_state(staged.state())});
  // The staged state holds every remote merge too: a debounced persist would add nothing.
  persist_due_ms_.reset();
  in_flight_ = std::move(commit);
}

// Remote input is validated and its timestamps bounded before it enters the replica
// (crdt::Replica::merge_remote): an invalid delta is dropped, counted and never re-gossiped.
void NodeCore::merge_remote(const Now& now, const RemoteDelta& remote, NodeOutput& out) {
  if (remote.delta.empty()) return;
  StateProbe probe(replica_.state(), remote.delta);
  auto report = replica_.merge_remote(remote.delta, remote.origin, now.wall_ms);
  if (!report) {
    out.log.push_back(report.message());
    return;
  }
  append_events(out, probe.events(replica_.state()));
  if (!report->clock_adopted) {
    auto [it, first] = clock_ahead_logged_ms_.try_emplace(remote.origin.name, now.mono_ms);
    if (first || now.mono_ms - it->second >= kClockAheadLogIntervalMs) {
      it->second = now.mono_ms;
      out.log.push_back("a delta from " + remote.origin.name + " is stamped " + std::to_string(report->ahead_ms) +
                        " ms ahead of our clock, past max_clock_offset: merged, but our clock did not adopt it "
                        "(its writes win over concurrent ones while its clock runs ahead; check its time)");
    }
  }
  if (!persist_due_ms_) persist_due_ms_ = now.mono_ms + config_.persist_debounce_ms;
  request_reconcile(now);
}

// Joins every target (seed or remembered peer) missing from the alive view, forever, with a
// doubling back-off up to join_backoff_max_ms. Stopping once any peer answered was Serf's
// failure (gravitational/gravity#2100): after a partition longer than the dead-member retention
// each side has forgotten the other, and two multi-node sides never merge again. A change of
// the view restarts the back-off, so a healed partition or a restarted seed is joined fast.
void NodeCore::run_join(const Now& now, const std::vector<membership::Member>& members, NodeOutput& out) {
  if (join_targets_.empty()) return;
  if (const std::uint64_t view = view_fingerprint(members); view != join_view_) {
    join_view_ = view;
    join_backoff_ms_ = config_.join_backoff_first_ms;
    const std::uint64_t soon = now.mono_ms + config_.join_backoff_first_ms;
    if (!join_due_ms_ || *join_due_ms_ > soon) join_due_ms_ = soon;
  }
  if (!join_due_ms_ || *join_due_ms_ > now.mono_ms) return;
  std::vector<std::string> missing;
  for (const auto& addr : join_targets_)
    if (std::none_of(members.begin(), members.end(),
                     [&](const membership::Member& m) { return in_view(m) && m.addr == addr; }))
      missing.push_back(addr);
  if (missing.empty()) {  // every target is here; a later change of the view re-arms this
    join_due_ms_.reset();
    return;
  }
  // The shell words the retry (agent/join_hint.h): what to check depends on its transport's
  // counters, which the core does not see. Only while nobody answered: a seed that is down
  // while the cluster is fine is retried quietly.
  if (join_attempts_++ > 0 && alive_count(members) <= 1) out.join_retry = true;
  out.join = std::move(missing);
  join_due_ms_ = now.mono_ms + join_backoff_ms_;
  join_backoff_ms_ = std::min(join_backoff_ms_ * 2, config_.join_backoff_max_ms);
}

void NodeCore::run_deadlines(const Now& now, const std::vector<membership::Member>& members, NodeOutput& out) {
  run_join(now, members, out);
  std::vector<NodeId> peers = live_peers(self_, members);
  if (auto request = anti_entropy_.poll(now.mono_ms, replica_.state(), peers)) {
    // Every member that has not left must have seen a tombstone before it goes (a failed
    // member may be cut off and come back); the horizon in crdt/config.h bounds the wait.
    std::vector<NodeId> gc_peers = gc_peers_of(self_, members, replica_.state());
    // Tombstone ages are HLC (wall) stamps: the horizon is wall time on purpose.
    (void)anti_entropy_.collect_garbage(replica_.state_for_gc(), gc_peers, now.wall_ms);
    out.sync_with.push_back(request->peer);
    ++sync_rounds_;
  }
  if (persist_due_ms_ && *persist_due_ms_ <= now.mono_ms && !in_flight_ && !background_ticket_) {
    persist_due_ms_.reset();
    background_ticket_ = next_ticket_++;
    out.persist.push_back({*background_ticket_, crdt::encode_state(replica_.state())});
  }
  if (periodic_due_ms_ <= now.mono_ms) request_reconcile(now), reconcile_due_ms_ = now.mono_ms;
  // A lease ran out or a held slot may move (node/partition_fence.h): decide again now.
  if (fence_.next_deadline_ms() != 0 && fence_.next_deadline_ms() <= now.mono_ms) reconcile_due_ms_ = now.mono_ms;
  if (reconcile_due_ms_ && *reconcile_due_ms_ <= now.mono_ms) {
    reconcile_due_ms_.reset();
    periodic_due_ms_ = now.mono_ms + config_.reconcile_interval_ms;
    out.reconcile = true;
  }
}

ReconcileDecision NodeCore::decide(const Now& now, const std::vector<membership::Member>& members,
                                   const std::vector<LocalTask>& local, NodeOutput& out) {
  ReconcileDecision d;
  if (!settle_.is_settled()) {
    const std::size_t alive = alive_count(members);
    if (!settle_.settled(now.mono_ms, alive > 0 ? alive - 1 : 0)) return d;  // tasks keep running; changes wait
    if (settle_.why() == SettleGate::Why::kSynced)
      out.log.push_back("in step with the cluster (" + std::to_string(alive) + " members alive): placing tasks");
    if (settle_.why() == SettleGate::Why::kTimedOut)
      out.log.push_back("no peer synced within " + std::to_string(config_.settle_timeout_ms / 1000) +
                        " s: placing tasks on what this node knows");
  }
  d.settled = true;
  const crdt::DesiredState& state = replica_.state();
  auto assignment = placement::place(placement_input(members, state));
  if (assignment) d.assignment = std::move(*assignment);
  fence_.apply(now.mono_ms, members, state, d.assignment, !catch_up_from_.empty());
  record_agreed_nodes(now, members);
  // Rolling-update monitor windows compare other nodes' since_ms: wall time on purpose.
  d.plans = plan_services(d.assignment, state, now.wall_ms);
  append_events(out, update_events(update_marks_, d.plans, state));
  std::map<std::string, ServiceOrder> orders;
  for (const crdt::Service* svc : state.all_services())
    orders[svc->name].start_first = svc->spec.update.order == UpdateOrder::kStartFirst;
  d.actions = reconcile(self_, d.assignment, d.plans, orders, local);
  queue_rollbacks(now, members, d.plans, out);
  ++reconcile_rounds_;
  return d;
}

// A rolling update whose failures call for rollback: make it durable by writing the previous
// spec back (as `shoal service rollback` does). One node does it (the first alive by name), so
// the cluster does not write the same rollback N times; if it dies, the next one takes over.
void NodeCore::queue_rollbacks(const Now& now, const std::vector<membership::Member>& members,
                               const std::map<std::string, ServicePlan>& plans, NodeOutput& out) {
  std::string first;
  for (const auto& m : members)
    if (m.status == membership::MemberStatus::kAlive && (first.empty() || m.id.name < first)) first = m.id.name;
  if (first != self_.name) return;
  for (const auto& [name, plan] : plans) {
    if (!plan.update || plan.update->phase != placement::UpdatePhase::kRollingBack) continue;
    // Once written, the rollback is a new version and this plan's phase is over; until then
    // every round asks again (a failed persist is retried that way).
    out.log.push_back("service " + name + ": update failed, rolling back to the previous spec");
    const std::uint64_t wall_ms = now.wall_ms;
    const std::string service = name;
    queued_writes_.push_back({0, [wall_ms, service](crdt::Replica& r) { return r.rollback_service(wall_ms, service); }});
  }
}

placement::Assignment NodeCore::assignment(const Now& now, const std::vector<membership::Member>& members) const {
  auto placed = placement::place(placement_input(members, replica_.state()));
  placement::Assignment a = placed ? std::move(*placed) : placement::Assignment{};
  PartitionFence fence = fence_;  // a query: the leases stay as the last round left them
  fence.apply(now.mono_ms, members, replica_.state(), a, !catch_up_from_.empty());
  return a;
}

// The node set a --on-partition majority service counts, recorded when this node's view is whole
// (node/partition_fence.h), so a node that restarts cut off still knows the cluster was larger.
void NodeCore::record_agreed_nodes(const Now& now, const std::vector<membership::Member>& members) {
  if (partition_watch_.partial()) return;
  for (const crdt::Service* svc : replica_.state().all_services()) {
    auto set = agreed_nodes_to_record(*svc, members, self_.name);
    if (!set) continue;
    auto [it, first] = agreed_queued_.try_emplace(svc->name);
    if (!first && it->second == *set) continue;  // queued already; the merge will show it
    it->second = *set;
    const std::uint64_t wall_ms = now.wall_ms;
    const std::string service = svc->name;
    queued_writes_.push_back({0, [wall_ms, service, nodes = *set](crdt::Replica& r) -> Result<crdt::DesiredState> {
      const crdt::Service* current = r.state().service(service);
      if (current == nullptr) return make_error("no service named " + service);
      crdt::Service next = *current;
      next.agreed_nodes = nodes;
      return r.put_service(wall_ms, std::move(next));
    }});
  }
}

void NodeCore::request_reconcile(const Now& now) {
  if (!reconcile_due_ms_) reconcile_due_ms_ = now.mono_ms + config_.reconcile_coalesce_ms;
}

std::uint64_t NodeCore::next_deadline() const {
  std::uint64_t due = std::min(anti_entropy_.next_deadline_ms(), periodic_due_ms_);
  if (reconcile_due_ms_) due = std::min(due, *reconcile_due_ms_);
  if (join_due_ms_) due = std::min(due, *join_due_ms_);
  if (fence_.next_deadline_ms() != 0) due = std::min(due, fence_.next_deadline_ms());
  if (persist_due_ms_ && !in_flight_ && !background_ticket_) due = std::min(due, *persist_due_ms_);
  return due;
}


namespace {
template <typename T>
void append(std::vector<T>& to, std::vector<T>&& from) {
  for (auto& x : from) to.push_back(std::move(x));
}
}  // namespace

bool has_work(const NodeInput& in) {
  return !in.member_events.empty() || !in.remote_deltas.empty() || in.synced || !in.writes.empty() ||
         !in.task_reports.empty() || !in.forgotten.empty() || !in.persisted.empty() || in.local_tasks ||
         in.reconcile_soon;
}

void merge_input(NodeInput& to, NodeInput&& from) {
  append(to.member_events, std::move(from.member_events));
  append(to.remote_deltas, std::move(from.remote_deltas));
  append(to.writes, std::move(from.writes));
  append(to.task_reports, std::move(from.task_reports));
  append(to.forgotten, std::move(from.forgotten));
  append(to.persisted, std::move(from.persisted));
  to.synced = to.synced || from.synced;
  append(to.synced_with, std::move(from.synced_with));
  to.reconcile_soon = to.reconcile_soon || from.reconcile_soon;
  if (from.local_tasks) to.local_tasks = std::move(from.local_tasks);
}

}  // namespace shoal::node
