#include "sim/simulator.h"

#include <algorithm>

#include <xxhash.h>

namespace shoal::sim {

using membership::Swim;

Simulator::Simulator(SimOptions options)
    : options_(std::move(options)), rng_(options_.seed), now_us_(options_.start_ms * 1000) {
  auto ok = validate(options_.faults);
  SHOAL_ASSERT(ok.ok());
  trace_hash_ = XXH3_64bits_withSeed(nullptr, 0, options_.seed);
  if (options_.sealed) {
    Key key{};
    for (std::size_t i = 0; i < key.size(); i += 8) {
      const std::uint64_t r = rng_.next();
      for (std::size_t b = 0; b < 8; ++b) key[i + b] = static_cast<std::uint8_t>(r >> (8 * b));
    }
    keyring_ = std::make_unique<Keyring>(key);
  }
}

std::uint64_t Simulator::wall_ms(NodeIndex node) const {
  const std::int64_t wall = static_cast<std::int64_t>(now_ms()) + nodes_[node].skew_ms;
  return wall < 1 ? 1 : static_cast<std::uint64_t>(wall);
}

void Simulator::make_guard(NodeIndex node) {
  if (!options_.sealed) return;
  std::uint64_t epoch = 0;
  while (epoch == 0) epoch = rng_.next();
  nodes_[node].guard = std::make_unique<membership::PacketGuard>(*keyring_, name(node), epoch);
}

Bytes Simulator::seal_for(NodeIndex from, NodeIndex to, const std::string& to_node, SealChannel channel,
                          const Bytes& plain) {
  if (!options_.sealed) return plain;
  membership::PacketGuard& g = *nodes_[from].guard;
  const std::uint64_t dest = channel == SealChannel::kStreamReply ? node_hash(name(to)) : g.destination_for(addr(to), to_node);
  return g.seal(channel, dest, plain);
}

bool Simulator::open_at(NodeIndex to, NodeIndex from, SealChannel channel, Bytes& payload) {
  if (!options_.sealed) return true;
  DropReason why{};
  auto opened = nodes_[to].guard->open(channel, addr(from), payload.data(), payload.size(), &why);
  if (!opened) {
    nodes_[to].swim->count_drop(why);
    return false;
  }
  payload = std::move(opened->plaintext);
  return true;
}

Simulator::~Simulator() = default;

std::unique_ptr<Swim> Simulator::make_core(NodeIndex node, membership::NodeMeta meta, std::uint64_t incarnation) {
  auto core = Swim::create(options_.swim, NodeId{name(node)}, addr(node), std::move(meta), rng_.next(), now_ms(),
                           incarnation);
  SHOAL_ASSERT(core.ok());
  return std::make_unique<Swim>(std::move(*core));
}

NodeIndex Simulator::add_node(membership::NodeMeta meta) {
  const auto idx = static_cast<NodeIndex>(nodes_.size());
  nodes_.push_back(Node{});
  nodes_[idx].swim = make_core(idx, std::move(meta), 0);
  make_guard(idx);
  by_addr_.emplace(addr(idx), idx);
  after_input(idx, false);
  return idx;
}

std::vector<NodeIndex> Simulator::add_converged_nodes(std::size_t n) {
  std::vector<NodeIndex> added;
  for (std::size_t i = 0; i < n; ++i) added.push_back(add_node());
  // One shared info per node; every core holds the same pointers (see bootstrap_members).
  std::vector<membership::BootstrapEntry> entries;
  for (NodeIndex i : added) {
    const membership::Member self = *nodes_[i].swim->member(NodeId{name(i)});
    auto meta = membership::encode_meta(self.meta);
    SHOAL_ASSERT(meta.ok());
    entries.push_back({std::make_shared<const membership::MemberInfo>(
                           membership::MemberInfo{self.id, self.addr, self.meta, std::move(*meta)}),
                       self.incarnation, membership::MemberStatus::kAlive});
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.info->id.name < b.info->id.name; });
  for (NodeIndex i : added) {
    nodes_[i].swim->bootstrap_members(now_ms(), entries);
    nodes_[i].swim->take_outgoing();  // nothing to tell: everyone knows everyone
    after_input(i, false);
  }
  return added;
}

Swim& Simulator::swim(NodeIndex node) {
  SHOAL_ASSERT(up(node));
  return *nodes_[node].swim;
}
const Swim& Simulator::swim(NodeIndex node) const {
  SHOAL_ASSERT(up(node));
  return *nodes_[node].swim;
}

void Simulator::join(NodeIndex node, const std::vector<NodeIndex>& seeds) {
  std::vector<std::string> addrs;
  for (NodeIndex s : seeds) addrs.push_back(addr(s));
  swim(node).join(now_ms(), addrs);
  after_input(node, false);
}

void Simulator::leave(NodeIndex node) {
  swim(node).leave(now_ms());
  after_input(node, false);
}

bool Simulator::leave_done(NodeIndex node) const { return swim(node).leave_broadcast_done(); }

void Simulator::crash(NodeIndex node) {
  if (!up(node)) return;
  nodes_[node].incarnation_persisted = nodes_[node].swim->incarnation();
  nodes_[node].swim.reset();
  nodes_[node].guard.reset();
  nodes_[node].scheduled_tick_us = UINT64_MAX;
  nodes_[node].scheduled_app_us = UINT64_MAX;
  ++nodes_[node].life;
}

std::optional<NodeIndex> Simulator::node_at(const std::string& addr) const {
  auto it = by_addr_.find(addr);
  if (it == by_addr_.end()) return std::nullopt;
  return it->second;
}

void Simulator::set_faults(const Faults& faults) {
  auto ok = validate(faults);
  SHOAL_ASSERT(ok.ok());
  options_.faults = faults;
}

void Simulator::set_app_deadline(NodeIndex node, std::uint64_t at_ms) {
  if (!up(node)) return;
  const std::uint64_t at_us = std::max(at_ms * 1000, now_us_);
  nodes_[node].scheduled_app_us = at_us;
  push(at_us, Kind::kAppTimer, node, node, {});
}

void Simulator::send_app_stream(NodeIndex from, NodeIndex to, Bytes request, AppReply on_reply) {
  const std::uint64_t id = next_app_id_++;
  replies_.emplace(id, PendingReply{from, nodes_[from].life, std::move(on_reply)});
  // A request that cannot get through fails like a refused connection, one latency later.
  const bool cut = blocked(from, to) || !up(to);
  if (cut) ++net_.dropped_partition;
  if (cut) push(now_us_ + latency_us(), Kind::kAppReply, from, to, {}, id, true);
  else push(now_us_ + latency_us(), Kind::kApp, to, from, std::move(request), id);
}

// Application streams and timers: the layer above the membership core.
void Simulator::step_app(Pending& e) {
  if (e.kind == Kind::kAppTimer) {
    Node& n = nodes_[e.to];
    if (!n.swim || e.time_us != n.scheduled_app_us) return;  // stale
    n.scheduled_app_us = UINT64_MAX;
    if (on_app_deadline) on_app_deadline(e.to);
    return;
  }
  if (e.kind == Kind::kApp) {
    std::optional<Bytes> answer;
    const bool through = up(e.to) && !blocked(e.from, e.to);
    if (through) {
      record_trace(e);
      ++net_.reliable_delivered;
      if (on_app_stream) answer = on_app_stream(e.to, e.from, e.payload);
    } else {
      ++(up(e.to) ? net_.dropped_partition : net_.dropped_down);
    }
    const bool failed = !answer;
    push(now_us_ + latency_us(), Kind::kAppReply, e.from, e.to, answer ? std::move(*answer) : Bytes{}, e.app_id, failed);
    return;
  }
  // kAppReply
  auto it = replies_.find(e.app_id);
  if (it == replies_.end()) return;
  PendingReply waiting = std::move(it->second);
  replies_.erase(it);
  if (!up(waiting.node) || nodes_[waiting.node].life != waiting.life) return;  // the asker crashed
  const bool failed = e.failed || blocked(e.from, e.to);
  if (!failed) record_trace(e);
  if (waiting.on_reply) waiting.on_reply(failed ? std::nullopt : std::optional<Bytes>(std::move(e.payload)));
}

void Simulator::restart(NodeIndex node, const std::vector<NodeIndex>& seeds) {
  SHOAL_ASSERT(!up(node));
  nodes_[node].swim = make_core(node, {}, nodes_[node].incarnation_persisted + 1);
  make_guard(node);
  join(node, seeds);
}

void Simulator::partition(const std::vector<std::vector<NodeIndex>>& groups) {
  for (Node& n : nodes_) n.group = 0;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (NodeIndex i : groups[g]) nodes_[i].group = static_cast<std::uint32_t>(g + 1);
}

void Simulator::heal() {
  for (Node& n : nodes_) n.group = 0;
}

void Simulator::inject_packet(NodeIndex to, NodeIndex from, const Bytes& payload) {
  // Sealed runs: sealed by the claimed sender, as a peer holding the key would.
  push(now_us_, Kind::kUdp, to, from, up(from) ? seal_for(from, to, name(to), SealChannel::kDatagram, payload) : payload);
}

shoal::Status Simulator::broadcast_user(NodeIndex node, Bytes payload) {
  shoal::Status s = swim(node).broadcast_user(std::move(payload));
  after_input(node, false);
  return s;
}

void Simulator::push(std::uint64_t time_us, Kind kind, NodeIndex to, NodeIndex from, Bytes payload,
                     std::uint64_t app_id, bool failed) {
  queue_.push_back(Pending{time_us, next_seq_++, kind, to, from, std::move(payload), app_id, failed});
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

std::uint64_t Simulator::latency_us() {
  const Faults& f = options_.faults;
  return f.latency_min_us + rng_.below(f.latency_max_us - f.latency_min_us + 1);
}

void Simulator::run_until_ms(std::uint64_t t_ms) {
  const std::uint64_t end_us = t_ms * 1000;
  while (!queue_.empty() && queue_.front().time_us <= end_us) {
    std::pop_heap(queue_.begin(), queue_.end(), Later{});
    Pending e = std::move(queue_.back());
    queue_.pop_back();
    SHOAL_ASSERT(e.time_us >= now_us_);
    now_us_ = e.time_us;
    step(e);
  }
  now_us_ = std::max(now_us_, end_us);
}

void Simulator::record_trace(const Pending& e) {
  // An array, not a struct: no padding bytes (indeterminate) may enter the hash.
  const std::uint64_t rec[4] = {e.time_us, XXH3_64bits(e.payload.data(), e.payload.size()),
                                (static_cast<std::uint64_t>(e.to) << 32) | e.from,
                                static_cast<std::uint64_t>(e.kind)};
  trace_hash_ = XXH3_64bits_withSeed(rec, sizeof rec, trace_hash_);
}

void Simulator::step(Pending& e) {
  if (e.kind == Kind::kAppTimer || e.kind == Kind::kApp || e.kind == Kind::kAppReply) return step_app(e);
  Node& n = nodes_[e.to];
  if (e.kind == Kind::kTick) {
    if (!n.swim || e.time_us != n.scheduled_tick_us) return;  // stale
    n.scheduled_tick_us = UINT64_MAX;
    n.swim->tick(now_ms());
    after_input(e.to, true);
    return;
  }
  if (!n.swim) {
    ++net_.dropped_down;
    return;
  }
  if (blocked(e.from, e.to)) {  // the partition began while the message was in flight
    ++net_.dropped_partition;
    return;
  }
  const SealChannel channel = e.kind == Kind::kUdp      ? SealChannel::kDatagram
                              : e.kind == Kind::kStream ? SealChannel::kStreamRequest
                                                        : SealChannel::kStreamReply;
  if (!open_at(e.to, e.from, channel, e.payload)) {
    after_input(e.to, false);
    return;
  }
  record_trace(e);  // on plaintext: nonces are random, the trace stays a function of the seed
  switch (e.kind) {
    case Kind::kUdp:
      ++net_.udp_delivered;
      n.swim->handle_packet(now_ms(), addr(e.from), e.payload.data(), e.payload.size(), wall_ms(e.to));
      break;
    case Kind::kStream: {
      ++net_.reliable_delivered;
      auto reply = n.swim->handle_stream(now_ms(), addr(e.from), e.payload.data(), e.payload.size());
      if (reply)
        push(now_us_ + latency_us(), Kind::kStreamReply, e.from, e.to,
             seal_for(e.to, e.from, {}, SealChannel::kStreamReply, *reply));
      break;
    }
    case Kind::kStreamReply:
      ++net_.reliable_delivered;
      (void)n.swim->handle_stream(now_ms(), addr(e.from), e.payload.data(), e.payload.size());
      break;
    default:
      break;
  }
  after_input(e.to, false);
}

void Simulator::send(NodeIndex from, membership::Outgoing out) {
  auto it = by_addr_.find(out.to_addr);
  if (it == by_addr_.end()) return;
  const NodeIndex to = it->second;
  if (blocked(from, to)) {
    ++net_.dropped_partition;
    return;
  }
  if (!out.reliable) {
    ++net_.udp_sent;
    if (rng_.chance(options_.faults.udp_loss)) {
      ++net_.udp_lost;
      return;
    }
  }
  const SealChannel channel = out.reliable ? SealChannel::kStreamRequest : SealChannel::kDatagram;
  push(now_us_ + latency_us(), out.reliable ? Kind::kStream : Kind::kUdp, to, from,
       seal_for(from, to, out.to_node, channel, out.payload));
}

void Simulator::after_input(NodeIndex node, bool ticked) {
  Node& n = nodes_[node];
  if (!n.swim) return;
  for (membership::Outgoing& out : n.swim->take_outgoing()) send(node, std::move(out));
  for (const membership::Event& ev : n.swim->take_events())
    if (on_event) on_event(now_ms(), node, ev);
  for (const membership::UserPayload& p : n.swim->take_user_payloads())
    if (on_user_payload) on_user_payload(now_ms(), node, p);
  std::uint64_t due_ms = n.swim->next_deadline_ms();
  // A tick always makes progress; never re-run the same millisecond after one.
  if (ticked && due_ms <= now_ms()) due_ms = now_ms() + 1;
  const std::uint64_t due_us = std::max(due_ms * 1000, now_us_);
  if (due_us < n.scheduled_tick_us) {
    n.scheduled_tick_us = due_us;
    push(due_us, Kind::kTick, node, node, {});
  }
}

}  // namespace shoal::sim
