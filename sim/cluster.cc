#include "sim/cluster.h"

#include <algorithm>

#include "agent/state_sync.h"
#include "agent/user_message.h"
#include "crdt/codec.h"
#include "node/cluster_view.h"
#include "placement/place.h"

namespace shoal::sim {

namespace {

// As agent/known_peers.h: a few live addresses suffice to rejoin.
constexpr std::size_t kMaxRemembered = 64;
constexpr std::size_t kMaxLogLines = 200;

// As agent/workload.cc wall_of: a runtime (monotonic) stamp as the wall time status carries.
std::uint64_t wall_of(const Now& now, std::uint64_t mono_ms) {
  const std::uint64_t ago = now.mono_ms > mono_ms ? now.mono_ms - mono_ms : 0;
  return now.wall_ms > ago ? now.wall_ms - ago : 0;
}

bool live(const membership::Member& m) {
  return m.status == membership::MemberStatus::kAlive || m.status == membership::MemberStatus::kSuspect;
}

}  // namespace

struct Cluster::Node {
  explicit Node(std::uint64_t runtime_seed, const RuntimeFaults& f) : runtime(runtime_seed, f) {}

  std::unique_ptr<node::NodeCore> core;
  FakeRuntime runtime;
  std::optional<Bytes> disk;            // the state file, once written
  std::vector<std::string> remembered;  // the peers file: addresses seen joining, newest last
  bool disk_failing = false;
  bool disk_lying = false;
  bool driving = false;
  std::vector<node::NodeInput> queued;  // inputs that arrived while driving
  std::uint64_t next_write_id = 1;
  std::map<std::uint64_t, Status> acks;
  std::uint64_t core_deadline_ms = 0;
  NodeCounters counters;
  std::vector<std::string> log;
};

shoal::Status validate(const ClusterOptions& o) {
  if (auto s = validate(o.sim.faults); !s) return s;
  if (auto s = validate(o.runtime); !s) return s;
  if (!(o.persist_failure >= 0.0 && o.persist_failure <= 0.5)) return make_error("sim: persist_failure must be in [0, 0.5]");
  return {};
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)), sim_(options_.sim) {
  auto ok = validate(options_);
  SHOAL_ASSERT(ok.ok());
  sim_.on_event = [this](std::uint64_t, NodeIndex node, const membership::Event& e) { on_event(node, e); };
  sim_.on_user_payload = [this](std::uint64_t, NodeIndex node, const membership::UserPayload& p) {
    on_user_payload(node, p);
  };
  sim_.on_app_stream = [this](NodeIndex to, NodeIndex from, const Bytes& request) {
    return answer_stream(to, from, request);
  };
  sim_.on_app_deadline = [this](NodeIndex node) {
    if (!up(node)) return;
    poll_runtime(node);
    if (up(node) && nodes_[node]->core_deadline_ms <= sim_.now_ms()) drive(node, {});
  };
}

Cluster::~Cluster() = default;

void Cluster::set_persist_failure(double p) {
  options_.persist_failure = p;
  auto ok = validate(options_);
  SHOAL_ASSERT(ok.ok());
}

void Cluster::set_runtime_faults(const RuntimeFaults& f) {
  options_.runtime = f;
  auto ok = validate(options_);
  SHOAL_ASSERT(ok.ok());
  for (auto& n : nodes_) n->runtime.set_faults(f);
}

void Cluster::set_disk_failing(NodeIndex node, bool failing) { nodes_[node]->disk_failing = failing; }
void Cluster::set_disk_lying(NodeIndex node, bool lying) { nodes_[node]->disk_lying = lying; }
bool Cluster::up(NodeIndex node) const { return nodes_[node]->core != nullptr; }
const FakeRuntime& Cluster::runtime(NodeIndex node) const { return nodes_[node]->runtime; }
const NodeCounters& Cluster::counters(NodeIndex node) const { return nodes_[node]->counters; }
const std::vector<std::string>& Cluster::log(NodeIndex node) const { return nodes_[node]->log; }

const node::NodeCore& Cluster::core(NodeIndex node) const {
  SHOAL_ASSERT(up(node));
  return *nodes_[node]->core;
}

NodeIndex Cluster::add_node() {
  const NodeIndex idx = sim_.add_node();
  SHOAL_ASSERT(idx == nodes_.size());
  nodes_.push_back(std::make_unique<Node>(sim_.rng().next(), options_.runtime));
  boot(idx);
  return idx;
}

std::vector<NodeIndex> Cluster::add_nodes(std::size_t n) {
  std::vector<NodeIndex> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(add_node());
  return out;
}

// As Agent::init: the state on disk, the seeds and the remembered peers make the core.
void Cluster::boot(NodeIndex node) {
  Node& n = *nodes_[node];
  crdt::DesiredState state;
  if (n.disk) {
    auto decoded = crdt::decode_state(*n.disk);
    if (!decoded) ++n.counters.decode_errors;
    else state = std::move(*decoded);
  }
  n.core = std::make_unique<node::NodeCore>(NodeId{sim_.name(node)}, options_.node, sim_.rng().next(), now(node),
                                            std::move(state), node::JoinTargets{{sim_.addr(0)}, n.remembered});
  drive(node, {});
}

void Cluster::crash(NodeIndex node, Disk disk) {
  if (!up(node)) return;
  Node& n = *nodes_[node];
  sim_.crash(node);
  n.core.reset();
  n.queued.clear();
  n.acks.clear();
  n.driving = false;
  // Its tasks die with it; their records stay on a kept disk (reported failed at restart).
  if (disk == Disk::kLost) {
    n.disk.reset();
    n.remembered.clear();
    n.runtime = FakeRuntime(sim_.rng().next(), options_.runtime);
  }
}

void Cluster::restart(NodeIndex node) {
  SHOAL_ASSERT(!up(node));
  sim_.restart(node, {});
  nodes_[node]->runtime.reboot(sim_.now_ms());
  boot(node);
}

shoal::Status Cluster::write(NodeIndex node, node::WriteOp op) {
  if (!up(node)) return make_error("sim: node " + sim_.name(node) + " is down");
  Node& n = *nodes_[node];
  SHOAL_ASSERT(!n.driving);
  const std::uint64_t id = n.next_write_id++;
  node::NodeInput in;
  in.writes.push_back({id, std::move(op)});
  drive(node, std::move(in));
  auto it = n.acks.find(id);
  SHOAL_ASSERT(it != n.acks.end());  // the disk answers at once: the ack came within drive()
  Status s = std::move(it->second);
  n.acks.erase(it);
  ++(s.ok() ? n.counters.writes_acked : n.counters.writes_refused);
  return s;
}

// Agent::drive: step, carry out, until the core asks for nothing more; then arm the timer.
void Cluster::drive(NodeIndex node, node::NodeInput input) {
  Node& n = *nodes_[node];
  if (n.driving) {
    n.queued.push_back(std::move(input));
    return;
  }
  n.driving = true;
  std::uint64_t deadline = 0;
  int rounds = 0;
  for (bool more = true; more;) {
    SHOAL_ASSERT(++rounds <= node::kMaxDriveRounds);
    if (accept_remote)
      std::erase_if(input.remote_deltas, [&](const node::RemoteDelta& d) { return !accept_remote(node, d); });
    n.counters.deltas_merged += input.remote_deltas.size();
    node::NodeOutput out = n.core->step(now(node), sim_.swim(node).members(), std::move(input));
    input = {};
    carry_out(node, out, input);
    deadline = out.next_deadline_ms;
    if (!n.queued.empty()) {
      node::merge_input(input, std::move(n.queued.front()));
      n.queued.erase(n.queued.begin());
    }
    more = node::has_work(input);
  }
  n.driving = false;
  arm(node, deadline);
}

// Agent::carry_out.
void Cluster::carry_out(NodeIndex node, node::NodeOutput& out, node::NodeInput& next) {
  Node& n = *nodes_[node];
  for (auto& line : out.log) note(node, std::move(line));
  for (const auto& p : out.persist) next.persisted.push_back({p.ticket, persist(node, p.state)});
  for (auto& a : out.acks) n.acks[a.id] = std::move(a.result);
  for (const auto& delta : out.broadcast) {
    if (on_durable_delta) on_durable_delta(node, delta);
    broadcast_delta(node, delta);
  }
  for (const auto& peer : out.sync_with) sync_with(node, peer);
  if (!out.join.empty()) {
    std::vector<NodeIndex> seeds;
    for (const auto& addr : out.join)
      if (auto to = sim_.node_at(addr)) seeds.push_back(*to);
    sim_.join(node, seeds);
  }
  if (out.decision) {
    if (on_decision) on_decision(node, *out.decision);
    act_on(node, *out.decision, next);
  }
  if (out.reconcile) next.local_tasks = n.runtime.list();
}

void Cluster::arm(NodeIndex node, std::uint64_t core_deadline_ms) {
  Node& n = *nodes_[node];
  n.core_deadline_ms = core_deadline_ms;
  std::uint64_t due = core_deadline_ms;
  if (auto r = n.runtime.next_deadline_ms()) due = std::min(due, *r);
  sim_.set_app_deadline(node, std::max(due, sim_.now_ms()));
}

// Agent::act_on, with the fake runtime.
void Cluster::act_on(NodeIndex node, const node::ReconcileDecision& d, node::NodeInput& next) {
  Node& n = *nodes_[node];
  const std::uint64_t now_ms = sim_.now_ms();
  report(node, n.runtime.poll(now_ms), next);
  if (!d.settled) return;  // tasks that outlived the agent keep running; only changes wait
  for (const auto& id : d.actions.stop) {
    n.runtime.stop(id, now_ms);
    ++n.counters.tasks_stopped;
  }
  for (const auto& s : d.actions.start) {
    if (!n.core->state().service(s.service)) continue;
    n.runtime.start(s, now_ms);
    ++n.counters.tasks_started;
  }
  for (const auto& id : d.actions.forget) {
    const auto tasks = n.runtime.list();
    auto t = std::find_if(tasks.begin(), tasks.end(), [&](const LocalTask& x) { return x.id == id; });
    if (t == tasks.end() || !n.runtime.forget(id)) continue;
    next.forgotten.push_back({crdt::TaskKey{t->service, t->slot}, t->version});
  }
}

// Agent::report_task_changes.
void Cluster::report(NodeIndex node, const std::vector<TaskChange>& changes, node::NodeInput& next) {
  if (changes.empty()) return;
  const Now at = now(node);
  for (const auto& ch : changes)
    next.task_reports.push_back(
        {crdt::TaskStatus{ch.service, ch.slot, ch.version, ch.state, "", "", wall_of(at, ch.since_ms)}, false});
  next.reconcile_soon = true;
}

// Agent::poll_runtime.
void Cluster::poll_runtime(NodeIndex node) {
  node::NodeInput in;
  report(node, nodes_[node]->runtime.poll(sim_.now_ms()), in);
  if (node::has_work(in)) drive(node, std::move(in));
}

Status Cluster::persist(NodeIndex node, const Bytes& state) {
  Node& n = *nodes_[node];
  ++n.counters.persists;
  if (n.disk_failing || sim_.rng().chance(options_.persist_failure)) {
    ++n.counters.persist_failures;
    return make_error("sim: no space left on device (disk fault)");
  }
  if (!n.disk_lying) n.disk = state;
  return {};
}

// Agent::broadcast_delta: gossip, or a push to every live peer when too large for a packet.
void Cluster::broadcast_delta(NodeIndex node, const crdt::DesiredState& delta) {
  Bytes msg = encode_user_message(UserMessageKind::kStateDelta, crdt::encode_state(delta));
  if (sim_.broadcast_user(node, std::move(msg)).ok()) return;
  const Bytes push = encode_sync_push(delta);
  for (const auto& m : sim_.swim(node).members())
    if (m.id.name != sim_.name(node) && live(m))
      if (auto to = sim_.node_at(m.addr)) sim_.send_app_stream(node, *to, push, {});
}

// Agent::sync_with: our digest; merge the reply; push what the peer lacks.
void Cluster::sync_with(NodeIndex node, const NodeId& peer) {
  auto member = sim_.swim(node).member(peer);
  if (!member) return;
  auto to = sim_.node_at(member->addr);
  if (!to) return;
  Bytes request = encode_sync_digest({NodeId{sim_.name(node)}, nodes_[node]->core->digest()});
  sim_.send_app_stream(node, *to, std::move(request), [this, node, peer, to = *to](std::optional<Bytes> answer) {
    if (!answer) return;
    Node& n = *nodes_[node];
    auto env = decode_envelope(answer->data(), answer->size(), nullptr);
    auto reply = env ? decode_sync_reply(*env) : Result<SyncReply>(env.error());
    if (!reply) {
      ++n.counters.decode_errors;
      return;
    }
    ++n.counters.syncs_done;
    node::NodeInput in;
    in.remote_deltas.push_back({peer, std::move(reply->delta)});
    in.synced = true;
    in.synced_with.push_back(peer);
    drive(node, std::move(in));
    crdt::DesiredState lacking = n.core->on_peer_digest(peer, reply->digest);
    if (!lacking.empty()) sim_.send_app_stream(node, to, encode_sync_push(lacking), {});
  });
}

// Agent::handle_app_stream.
std::optional<Bytes> Cluster::answer_stream(NodeIndex to, NodeIndex from, const Bytes& request) {
  if (!up(to)) return std::nullopt;
  Node& n = *nodes_[to];
  auto env = decode_envelope(request.data(), request.size(), nullptr);
  if (!env) return ++n.counters.decode_errors, std::nullopt;
  if (env->type == static_cast<std::uint32_t>(SyncType::kSyncDigest)) {
    auto digest = decode_sync_digest(*env);
    if (!digest) return ++n.counters.decode_errors, std::nullopt;
    crdt::DesiredState delta = n.core->on_peer_digest(digest->from, digest->digest);
    return encode_sync_reply({std::move(delta), n.core->digest()});
  }
  if (env->type == static_cast<std::uint32_t>(SyncType::kSyncPush)) {
    auto delta = decode_sync_push(*env);
    if (!delta) return ++n.counters.decode_errors, std::nullopt;
    node::NodeInput in;
    in.remote_deltas.push_back({NodeId{sim_.addr(from)}, std::move(*delta)});  // a push names no sender
    in.synced = true;
    drive(to, std::move(in));
    return encode_sync_ack();
  }
  return std::nullopt;
}

// Agent::on_events and remember_peers.
void Cluster::on_event(NodeIndex node, const membership::Event& e) {
  if (!up(node)) return;
  Node& n = *nodes_[node];
  if (e.kind == membership::Event::kJoined && e.member.id.name != sim_.name(node)) {
    std::erase(n.remembered, e.member.addr);
    n.remembered.push_back(e.member.addr);
    if (n.remembered.size() > kMaxRemembered) n.remembered.erase(n.remembered.begin());
  }
  node::NodeInput in;
  in.member_events.push_back(e);
  drive(node, std::move(in));
}

// Agent::on_user_payloads.
void Cluster::on_user_payload(NodeIndex node, const membership::UserPayload& p) {
  if (!up(node)) return;
  auto msg = decode_user_message(p.data);
  if (!msg || msg->first != UserMessageKind::kStateDelta) return;
  auto delta = crdt::decode_state(msg->second);
  if (!delta) {
    ++nodes_[node]->counters.decode_errors;
    return;
  }
  node::NodeInput in;
  in.remote_deltas.push_back({p.from, std::move(*delta)});
  drive(node, std::move(in));
}

void Cluster::note(NodeIndex node, std::string line) {
  auto& log = nodes_[node]->log;
  log.push_back(std::to_string(sim_.now_ms()) + " " + std::move(line));
  if (log.size() > kMaxLogLines) log.erase(log.begin());
}

bool Cluster::views_agree() const {
  std::vector<std::string> up_names;
  for (NodeIndex i = 0; i < size(); ++i)
    if (up(i)) up_names.push_back(sim_.name(i));
  std::sort(up_names.begin(), up_names.end());
  for (NodeIndex i = 0; i < size(); ++i) {
    if (!up(i)) continue;
    std::vector<std::string> alive;
    for (const auto& m : sim_.swim(i).members())
      if (m.status == membership::MemberStatus::kAlive) alive.push_back(m.id.name);
      else if (m.status == membership::MemberStatus::kSuspect) return false;
    std::sort(alive.begin(), alive.end());
    if (alive != up_names) return false;
  }
  return true;
}

placement::Assignment Cluster::assignment(NodeIndex node) const {
  return core(node).assignment(now(node), members(node));
}

}  // namespace shoal::sim
