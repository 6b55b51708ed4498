// Deterministic simulator: many membership cores in one process, virtual time, one seed.
// Every delivery, loss, latency and random choice derives from the seed, so a failing run is
// replayed exactly ("reproduce with seed=N"). A trace hash (xxh3 over every delivered message,
// in order) proves it: same seed, same hash.
//
// Time is virtual microseconds; cores see milliseconds. Events are ordered by (time, seq), seq
// being the order of scheduling, so simultaneous events never depend on container internals.
// A node's tick is scheduled at its core's next_deadline_ms() and re-scheduled lazily after any
// input (stale tick events are skipped), so an idle node costs nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/keyring.h"
#include "common/rng.h"
#include "membership/packet_guard.h"
#include "membership/swim.h"
#include "sim/faults.h"

namespace shoal::sim {

using NodeIndex = std::uint32_t;

struct SimOptions {
  std::uint64_t seed = 1;
  membership::Config swim = membership::lan_config();
  Faults faults;
  std::uint64_t start_ms = 1'000'000;  // virtual wall clock at start (non-zero catches 0-bugs)
  // Seal every message with a cluster key and open it through each node's PacketGuard
  // (destination, channel, replay window), as the real transport does. Off by default: large
  // runs (10,000 nodes) would spend most of their time in XChaCha20; on for scenarios about
  // the wire's security or clocks.
  bool sealed = false;
};

struct NetStats {
  std::uint64_t udp_sent = 0;
  std::uint64_t udp_delivered = 0;
  std::uint64_t udp_lost = 0;         // loss fault
  std::uint64_t dropped_partition = 0;
  std::uint64_t dropped_down = 0;     // to a crashed/stopped node
  std::uint64_t reliable_delivered = 0;
};

class Simulator {
 public:
  explicit Simulator(SimOptions options);
  ~Simulator();

  // A fresh node, not yet joined. Names are "n<index>", addresses "a<index>".
  NodeIndex add_node(membership::NodeMeta meta = {});
  // n nodes that already know each other (all alive), as after convergence; for large N.
  std::vector<NodeIndex> add_converged_nodes(std::size_t n);

  void join(NodeIndex node, const std::vector<NodeIndex>& seeds);
  void leave(NodeIndex node);                  // graceful; call stop() once leave_done()
  bool leave_done(NodeIndex node) const;
  void crash(NodeIndex node);                  // stops instantly, state lost
  void stop(NodeIndex node) { crash(node); }
  // Starts a crashed node again with a fresh core and incarnation (persisted + 1); joins seeds.
  void restart(NodeIndex node, const std::vector<NodeIndex>& seeds);

  // Nodes in different groups cannot exchange any message. groups need not cover every node:
  // unlisted nodes form group 0.
  void partition(const std::vector<std::vector<NodeIndex>>& groups);
  void heal();

  // Delivers a crafted datagram to `to` now, as if sent by `from` (a lying or confused peer).
  void inject_packet(NodeIndex to, NodeIndex from, const Bytes& payload);

  // The application layer's broadcast_user() on `node`'s core, then the core's outputs are
  // handled and its next tick rescheduled, as the real shell does after a call into the core
  // (calling swim(node).broadcast_user() directly would leave the payload queued until the
  // node's next scheduled tick).
  shoal::Status broadcast_user(NodeIndex node, Bytes payload);

  // An application stream (the agent's TCP state sync: membership/transport_asio.h
  // send_app_stream) from `from` to `to`: delivered after a latency to on_app_stream, whose
  // answer comes back after another. `on_reply` gets the answer, or nothing if the request or
  // the answer was cut by a partition, the peer is down or did not answer (as a TCP error or
  // timeout); never once `from` crashed. Reliable otherwise: no loss fault applies.
  using AppReply = std::function<void(std::optional<Bytes>)>;
  void send_app_stream(NodeIndex from, NodeIndex to, Bytes request, AppReply on_reply);
  std::function<std::optional<Bytes>(NodeIndex to, NodeIndex from, const Bytes& request)> on_app_stream;

  // One timer per node for the layer above the membership core (the node core and its runtime):
  // on_app_deadline(node) runs at the latest time set; a later call replaces an earlier one.
  // Cleared by crash().
  void set_app_deadline(NodeIndex node, std::uint64_t at_ms);
  std::function<void(NodeIndex node)> on_app_deadline;

  // The node at a simulated address ("a<index>"), if any.
  std::optional<NodeIndex> node_at(const std::string& addr) const;

  // Faults may change during a run (a liveness phase turns them off); limits as in validate().
  void set_faults(const Faults& faults);
  const Faults& faults() const { return options_.faults; }

  // False while a partition separates a and b (any message between them is dropped).
  bool reachable(NodeIndex a, NodeIndex b) const { return !blocked(a, b); }

  void run_until_ms(std::uint64_t t_ms);
  void run_for_ms(std::uint64_t duration_ms) { run_until_ms(now_ms() + duration_ms); }
  std::uint64_t now_ms() const { return now_us_ / 1000; }

  // Per-node wall-clock skew (clock fault): the node's wall clock reads now_ms() + skew_ms,
  // floored at 1 ms after the Unix epoch. Cores never see wall time except through probe answers
  // (clock-offset estimates); it is what a node with a wrong RTC would report. Kept across
  // restart().
  void set_clock_skew(NodeIndex node, std::int64_t skew_ms) { nodes_[node].skew_ms = skew_ms; }
  std::uint64_t wall_ms(NodeIndex node) const;

  std::size_t size() const { return nodes_.size(); }
  bool up(NodeIndex node) const { return nodes_[node].swim != nullptr; }
  membership::Swim& swim(NodeIndex node);
  const membership::Swim& swim(NodeIndex node) const;
  std::string name(NodeIndex node) const { return "n" + std::to_string(node); }
  std::string addr(NodeIndex node) const { return "a" + std::to_string(node); }

  // Observers, called as outputs appear (events in order, per node).
  std::function<void(std::uint64_t now_ms, NodeIndex node, const membership::Event&)> on_event;
  std::function<void(std::uint64_t now_ms, NodeIndex node, const membership::UserPayload&)> on_user_payload;

  std::uint64_t trace_hash() const { return trace_hash_; }
  const NetStats& net() const { return net_; }
  std::uint64_t seed() const { return options_.seed; }
  Rng& rng() { return rng_; }  // for scenario choices driven by the same seed

 private:
  struct Node {
    std::unique_ptr<membership::Swim> swim;
    std::uint64_t scheduled_tick_us = UINT64_MAX;
    std::uint64_t incarnation_persisted = 0;
    std::uint32_t group = 0;
    std::int64_t skew_ms = 0;
    std::unique_ptr<membership::PacketGuard> guard;  // options.sealed only; new epoch per restart
    std::uint64_t scheduled_app_us = UINT64_MAX;
    std::uint64_t life = 0;  // bumped by crash(): replies to an earlier life are not delivered
  };
  enum class Kind : std::uint8_t { kTick, kUdp, kStream, kStreamReply, kAppTimer, kApp, kAppReply };
  struct PendingReply {
    NodeIndex node;
    std::uint64_t life;
    AppReply on_reply;
  };
  struct Pending {
    std::uint64_t time_us;
    std::uint64_t seq;
    Kind kind;
    NodeIndex to;
    NodeIndex from;
    Bytes payload;
    std::uint64_t app_id = 0;  // kApp, kAppReply: the request's key in replies_
    bool failed = false;       // kAppReply: the request did not get through
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.seq > b.seq;
    }
  };

  std::unique_ptr<membership::Swim> make_core(NodeIndex node, membership::NodeMeta meta, std::uint64_t incarnation);
  void push(std::uint64_t time_us, Kind kind, NodeIndex to, NodeIndex from, Bytes payload, std::uint64_t app_id = 0,
            bool failed = false);
  void step_app(Pending& e);
  void step(Pending& e);
  void after_input(NodeIndex node, bool ticked);
  void send(NodeIndex from, membership::Outgoing out);
  std::uint64_t latency_us();
  bool blocked(NodeIndex a, NodeIndex b) const { return nodes_[a].group != nodes_[b].group; }
  void record_trace(const Pending& e);
  // options.sealed: seal on send / open on delivery (false = dropped, counted by the core).
  Bytes seal_for(NodeIndex from, NodeIndex to, const std::string& to_node, SealChannel channel, const Bytes& plain);
  bool open_at(NodeIndex to, NodeIndex from, SealChannel channel, Bytes& payload);
  void make_guard(NodeIndex node);

  SimOptions options_;
  Rng rng_;
  std::uint64_t now_us_;
  std::uint64_t next_seq_ = 0;
  std::vector<Node> nodes_;
  std::unordered_map<std::string, NodeIndex> by_addr_;  // lookup only
  std::vector<Pending> queue_;  // binary heap ordered by Later
  std::uint64_t trace_hash_ = 0;
  NetStats net_;
  std::unique_ptr<Keyring> keyring_;  // options.sealed only; key derived from the seed
  std::map<std::uint64_t, PendingReply> replies_;  // app streams waiting for their answer
  std::uint64_t next_app_id_ = 1;
};

}  // namespace shoal::sim
