// A desired-state replica on every simulated node, synced the way the agent syncs it
// (agent/state.cc), so CRDT properties run on real gossip with loss, real membership views and
// partitions:
//   - a local write's delta is encoded (crdt/codec.h) and sent with the core's broadcast_user()
//     (too large for a packet: pushed to every live peer over the reliable channel instead);
//     every kBroadcast payload a core delivers is decoded and merged;
//   - every anti-entropy interval a node polls its AntiEntropy with its live peers (alive or
//     suspect in its own SWIM view), collects garbage, and runs one exchange with the chosen
//     peer: digest ->, <- {delta the sender lacks, peer digest}, -> delta the peer lacks;
//   - members reported failed or left are forgotten by AntiEntropy (their digests stop counting).
// The exchange is modelled as reliable messages with a random latency of a few milliseconds,
// each encoded and decoded like the wire: a message is lost (connection refused/reset) if a
// partition separates the two nodes when it is sent or delivered, or the receiver is down.
// Every node's physical clock has its own fixed skew, so "later by HLC" differs from virtual
// time order, as between real machines.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "crdt/anti_entropy.h"
#include "crdt/codec.h"
#include "crdt/desired_state.h"
#include "crdt/digest.h"
#include "sim/simulator.h"

namespace shoal::sim::testing {

struct CrdtClusterOptions {
  crdt::CrdtConfig crdt;
  bool collect_garbage = true;        // as the agent: tombstone GC on every anti-entropy round
  std::uint64_t max_clock_skew_ms = 3'000;  // each node's physical clock = virtual time + [0, this)
  std::uint64_t stream_latency_max_ms = 5;  // one-way latency of one exchange message, [1, this]
};

struct CrdtStats {
  std::uint64_t gossip_merged = 0;     // deltas received by gossip and merged
  std::uint64_t gossip_too_large = 0;  // writes pushed over the reliable channel instead
  std::uint64_t rounds = 0;            // anti-entropy rounds that picked a peer
  std::uint64_t exchanges_done = 0;    // rounds whose reply came back
  std::uint64_t messages_lost = 0;     // exchange messages cut by a partition or a down node
  std::uint64_t codec_errors = 0;      // our own encoding failed to decode: always a bug
  std::uint64_t gc_dropped = 0;        // tombstones collected
};

class CrdtCluster {
 public:
  // Attaches to every node the simulator holds now (call after adding them). Takes over the
  // simulator's on_user_payload and on_event hooks.
  CrdtCluster(Simulator& sim, CrdtClusterOptions options) : sim_(sim), options_(options) {
    for (NodeIndex i = 0; i < sim_.size(); ++i) {
      const std::uint64_t skew = sim_.rng().below(options_.max_clock_skew_ms);
      // Random phase, as agents start at different times: rounds are not in lock step.
      const std::uint64_t phase = sim_.rng().below(options_.crdt.anti_entropy_interval_ms);
      nodes_.push_back(Node{crdt::Replica(NodeId{sim_.name(i)}),
                            crdt::AntiEntropy(options_.crdt, sim_.rng().next(), sim_.now_ms() - phase),
                            skew});
    }
    sim_.on_user_payload = [this](std::uint64_t, NodeIndex node, const membership::UserPayload& p) {
      if (p.kind != membership::UserPayload::kBroadcast) return;
      auto delta = crdt::decode_state(p.data);
      if (!delta) {
        ++stats_.codec_errors;
        return;
      }
      ++stats_.gossip_merged;
      merge(node, *delta);
    };
    sim_.on_event = [this](std::uint64_t, NodeIndex node, const membership::Event& e) {
      // As Agent::on_events: only a member that left stops counting for tombstone GC (a failed
      // one may be partitioned away and come back holding the deleted write); a member seen
      // joining (or back after failed/left: a healed partition) gets an anti-entropy round now.
      if (e.kind == membership::Event::kLeft) nodes_[node].anti_entropy.forget(e.member.id);
      if (e.kind == membership::Event::kJoined && e.member.id.name != sim_.name(node) && sim_.up(node)) {
        Node& n = nodes_[node];
        ++stats_.rounds;
        send(Kind::kDigest, node, index_of(e.member.id), {}, crdt::encode_digest(n.anti_entropy.digest(n.replica.state())));
      }
    };
  }
  CrdtCluster(const CrdtCluster&) = delete;
  CrdtCluster& operator=(const CrdtCluster&) = delete;

  // The node's physical clock (what its HLC ticks from).
  std::uint64_t wall_ms(NodeIndex node) const { return sim_.now_ms() + nodes_[node].skew_ms; }

  const crdt::Replica& replica(NodeIndex node) const { return nodes_[node].replica; }
  const CrdtStats& stats() const { return stats_; }

  // Runs one local write on `node` (write(replica, wall_ms) -> Result<DesiredState> or
  // DesiredState) and, if it succeeded, disseminates its delta like the agent. Returns the
  // delta (the acknowledged write) or the write's error.
  template <typename Write>
  Result<crdt::DesiredState> write(NodeIndex node, Write&& write) {
    Result<crdt::DesiredState> delta = write(nodes_[node].replica, wall_ms(node));
    if (!delta) return delta;
    if (!sim_.broadcast_user(node, crdt::encode_state(*delta)).ok()) {
      ++stats_.gossip_too_large;
      for (NodeIndex peer : live_peers(node)) send(Kind::kPush, node, peer, crdt::encode_state(*delta), {});
    }
    return delta;
  }

  // Runs the simulator and the anti-entropy machinery together until virtual time t_ms.
  void run_until_ms(std::uint64_t t_ms) {
    for (;;) {
      const std::uint64_t next = std::min(t_ms, next_due_ms());
      sim_.run_until_ms(next);
      deliver_due();
      start_due_rounds();
      if (next >= t_ms) return;
    }
  }
  void run_for_ms(std::uint64_t d_ms) { run_until_ms(sim_.now_ms() + d_ms); }

 private:
  enum class Kind : std::uint8_t { kDigest, kReply, kPush };
  struct Message {
    Kind kind;
    NodeIndex from;
    NodeIndex to;
    Bytes state;   // encoded DesiredState (reply, push)
    Bytes digest;  // encoded Digest (digest, reply)
  };
  struct Node {
    crdt::Replica replica;
    crdt::AntiEntropy anti_entropy;
    std::uint64_t skew_ms;
  };

  static NodeIndex index_of(const NodeId& id) {
    return static_cast<NodeIndex>(std::stoul(id.name.substr(1)));  // "n<index>"
  }

  // As Agent::live_peers: alive or suspect in this node's own view, self excluded, by id.
  std::vector<NodeIndex> live_peers(NodeIndex node) const {
    std::vector<NodeIndex> out;
    for (const auto& m : sim_.swim(node).members()) {
      if (m.id.name == sim_.name(node)) continue;
      if (m.status == membership::MemberStatus::kAlive || m.status == membership::MemberStatus::kSuspect)
        out.push_back(index_of(m.id));
    }
    return out;
  }

  void merge(NodeIndex node, const crdt::DesiredState& delta) {
    if (!delta.empty()) nodes_[node].replica.merge(delta);
  }

  void send(Kind kind, NodeIndex from, NodeIndex to, Bytes state, Bytes digest) {
    if (!sim_.reachable(from, to) || !sim_.up(to)) {
      ++stats_.messages_lost;
      return;
    }
    const std::uint64_t at = sim_.now_ms() + 1 + sim_.rng().below(options_.stream_latency_max_ms);
    in_flight_.emplace(std::pair{at, next_seq_++}, Message{kind, from, to, std::move(state), std::move(digest)});
  }

  std::uint64_t next_due_ms() const {
    std::uint64_t due = in_flight_.empty() ? UINT64_MAX : in_flight_.begin()->first.first;
    for (NodeIndex i = 0; i < nodes_.size(); ++i)
      if (sim_.up(i)) due = std::min(due, nodes_[i].anti_entropy.next_deadline_ms());
    return due;
  }

  void deliver_due() {
    while (!in_flight_.empty() && in_flight_.begin()->first.first <= sim_.now_ms()) {
      Message m = std::move(in_flight_.begin()->second);
      in_flight_.erase(in_flight_.begin());
      if (!sim_.reachable(m.from, m.to) || !sim_.up(m.to)) {
        ++stats_.messages_lost;
        continue;
      }
      deliver(m);
    }
  }

  void deliver(const Message& m) {
    Node& to = nodes_[m.to];
    const NodeId from_id{sim_.name(m.from)};
    if (m.kind == Kind::kDigest) {  // Agent::handle_app_stream
      auto digest = crdt::decode_digest(m.digest.data(), m.digest.size());
      if (!digest) return void(++stats_.codec_errors);
      crdt::DesiredState delta = to.anti_entropy.on_digest(from_id, *digest, to.replica.state());
      send(Kind::kReply, m.to, m.from, crdt::encode_state(delta),
           crdt::encode_digest(to.anti_entropy.digest(to.replica.state())));
      return;
    }
    auto state = crdt::decode_state(m.state);
    if (!state) return void(++stats_.codec_errors);
    merge(m.to, *state);
    if (m.kind == Kind::kPush) return;
    ++stats_.exchanges_done;  // a reply: Agent::sync_with's callback
    auto digest = crdt::decode_digest(m.digest.data(), m.digest.size());
    if (!digest) return void(++stats_.codec_errors);
    crdt::DesiredState lacking = to.anti_entropy.on_digest(from_id, *digest, to.replica.state());
    if (!lacking.empty()) send(Kind::kPush, m.to, m.from, crdt::encode_state(lacking), {});
  }

  // As Agent::gc_peers: every member that has not left (a failed one may return), self excluded.
  std::vector<NodeId> gc_peers(NodeIndex node) const {
    std::vector<NodeId> out;
    for (const auto& m : sim_.swim(node).members())
      if (m.id.name != sim_.name(node) && m.status != membership::MemberStatus::kLeft) out.push_back(m.id);
    return out;
  }

  // Agent::anti_entropy_round for every node whose round is due, in index order.
  void start_due_rounds() {
    for (NodeIndex i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      if (!sim_.up(i) || n.anti_entropy.next_deadline_ms() > sim_.now_ms()) continue;
      const std::vector<NodeIndex> peers = live_peers(i);
      std::vector<NodeId> peer_ids;
      for (NodeIndex p : peers) peer_ids.push_back(NodeId{sim_.name(p)});
      auto request = n.anti_entropy.poll(sim_.now_ms(), n.replica.state(), peer_ids);
      if (options_.collect_garbage) {
        auto gc = n.anti_entropy.collect_garbage(n.replica.state_for_gc(), gc_peers(i), wall_ms(i));
        stats_.gc_dropped += gc.seen_by_all + gc.expired;
      }
      if (!request) continue;
      ++stats_.rounds;
      send(Kind::kDigest, i, index_of(request->peer), {},
           crdt::encode_digest(n.anti_entropy.digest(n.replica.state())));
    }
  }

  Simulator& sim_;
  CrdtClusterOptions options_;
  std::vector<Node> nodes_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Message> in_flight_;  // by (time, seq)
  std::uint64_t next_seq_ = 0;
  CrdtStats stats_;
};

}  // namespace shoal::sim::testing
