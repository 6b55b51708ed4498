// The SWIM + Lifeguard membership core (Das et al. 2002; Dadgar et al., "Lifeguard", 2018),
// sans-IO in the style of quinn-proto: the caller feeds packets, stream requests and time; the
// core returns packets to send, membership events, user payloads and its next deadline. It
// never reads a clock, opens a socket or starts a thread, and all randomness comes from the
// seed, so the simulator (sim/) replays a run bit for bit.
//
// Driving it (what the Asio shell and the simulator do):
//   auto swim = Swim::create(lan_config(), id, "10.0.0.5:7946", meta, seed, now_ms);
//   swim->join(now_ms, {"10.0.0.1:7946"});
//   loop: on a UDP datagram -> handle_packet(); on a TCP request -> handle_stream() and write the
//         returned reply on the same stream (a reply read back -> handle_stream() too);
//         when now_ms >= next_deadline_ms() -> tick(); after any call, send take_outgoing()
//         (reliable => TCP), act on take_events() and take_user_payloads().
// Payloads in Outgoing and those passed in are plaintext envelopes; the shell seals/opens them
// with the keyring and counts its own drops through count_drop().
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/envelope.h"
#include "common/node_id.h"
#include "common/result.h"
#include "membership/config.h"
#include "membership/node_meta.h"

namespace shoal::membership {

// Named MemberStatus (not Status) so it never shadows shoal::Status (= Result<void>).
enum class MemberStatus : std::uint8_t { kAlive = 0, kSuspect = 1, kFailed = 2, kLeft = 3 };
const char* status_name(MemberStatus status);  // "alive", "suspect", "failed", "left"

struct Member {
  NodeId id;
  std::string addr;  // gossip address "ip:port"; the core only compares it
  MemberStatus status = MemberStatus::kAlive;
  std::uint64_t incarnation = 0;
  NodeMeta meta;
  std::uint64_t status_since_ms = 0;  // local time the current status was entered
  // How far the member's wall clock is ahead of ours (negative: behind), estimated from probe
  // round trips (membership/clock_offset.h); empty until one of our probes got its ack.
  std::optional<std::int64_t> clock_offset_ms;
};

// The immutable part of a member (identity, address, metadata and its encoding). Records hold
// it by shared pointer and replace it when an alive message brings a new address or metadata.
struct MemberInfo {
  NodeId id;
  std::string addr;
  NodeMeta meta;
  Bytes meta_bytes;  // encode_meta(meta)
};
struct BootstrapEntry {
  std::shared_ptr<const MemberInfo> info;
  std::uint64_t incarnation = 0;
  MemberStatus status = MemberStatus::kAlive;
};

struct Outgoing {
  std::string to_addr;
  Bytes payload;   // plaintext envelope; the shell seals it
  bool reliable;   // true: send over TCP (push-pull, may exceed a datagram); false: one UDP datagram
  std::string to_node = {};  // destination's name when the core knows it ("" = a seed address):
                             // the shell binds it into the seal (membership/packet_guard.h)
};

struct Event {
  enum Kind : std::uint8_t {
    kJoined,   // first seen, or back after failed/left (a restart)
    kUpdated,  // alive with new metadata or address
    kSuspect,
    kFailed,
    kLeft,
    kAlive,    // recovered: was suspect, refuted
    // The member's clock offset (member.clock_offset_ms) went beyond Config::clock_offset_warn_ms,
    // or came back within half of it. Membership does not care (replay protection uses no wall
    // clock); the CRDT's HLC does: see describe_event() for what it means for the member's writes.
    kClockOffset,
    kClockOffsetOk,
  };
  Kind kind;
  Member member;  // state after the change
};
const char* event_kind_name(Event::Kind kind);
// One log line for an event, e.g. "member n2 joined (alive, incarnation 3)"; clock events name
// the offset, the threshold and the consequence, so an operator can act on the log alone.
std::string describe_event(const Event& event);

struct UserPayload {
  enum Kind : std::uint8_t {
    kBroadcast,    // a peer's broadcast_user() payload (delivered once per broadcast)
    kRemoteState,  // a peer's user state from a push-pull (memberlist MergeRemoteState)
  };
  Kind kind;
  NodeId from;  // originator
  Bytes data;
};

struct Counters {
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::kCount)> dropped{};  // by DropReason
  std::uint64_t packets_sent = 0;
  std::uint64_t bytes_sent = 0;         // plaintext bytes, UDP and reliable
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t probes_sent = 0;
  std::uint64_t probes_failed = 0;      // no ack, direct or indirect, within the probe interval
  std::uint64_t acks_received = 0;
  std::uint64_t ping_reqs_sent = 0;
  std::uint64_t nacks_received = 0;
  std::uint64_t nacks_sent = 0;
  std::uint64_t suspicions_raised = 0;  // by our own failed probes
  std::uint64_t refutations = 0;        // we were suspected/declared dead and answered
  std::uint64_t death_refutations = 0;  // ... of them, declared dead while alive (a false death)
  std::uint64_t failures_declared = 0;  // members we moved to failed
  std::uint64_t push_pulls_sent = 0;
  std::uint64_t push_pulls_received = 0;
  std::uint64_t user_broadcasts_sent = 0;
  std::uint64_t user_payloads_received = 0;
  std::uint64_t broadcasts_dropped = 0; // queue bound hit
};

class Swim {
 public:
  // Fails if the config is invalid (see validate()) or the metadata encodes over
  // config.meta_max_bytes. initial_incarnation: a restarted node passes the persisted value + 1
  // so its alive message beats what the cluster remembers (it would refute anyway, one round
  // later). The self address is what peers will send to.
  static Result<Swim> create(Config config, NodeId self, std::string self_addr, NodeMeta meta,
                             std::uint64_t seed, std::uint64_t now_ms,
                             std::uint64_t initial_incarnation = 0);
  Swim(Swim&&) noexcept;
  Swim& operator=(Swim&&) noexcept;
  ~Swim();

  // Sends a join push-pull (reliable) to each seed. Call again to retry (e.g. no seed answered).
  void join(std::uint64_t now_ms, const std::vector<std::string>& seed_addrs);

  // Marks self `left` and broadcasts it; keep driving the core for a few gossip intervals (until
  // leave_broadcast_done()) so the message spreads, then stop. A left core stays left (it stops
  // probing and never refutes); to come back, create a new core with a higher incarnation.
  void leave(std::uint64_t now_ms);
  bool leave_broadcast_done() const;

  // One UDP datagram (plaintext, already opened by the shell). Bad input is dropped and counted.
  // wall_ms: the shell's wall clock now (ms since the Unix epoch), used only to answer probes
  // with our wall time and to estimate peers' clock offsets; 0 = unknown (no estimate).
  void handle_packet(std::uint64_t now_ms, const std::string& from_addr, const std::uint8_t* data,
                     std::size_t size, std::uint64_t wall_ms = 0);

  // One reliable (TCP) message: a push-pull request returns our reply, to write back on the
  // same stream; a reply returns nothing.
  std::optional<Bytes> handle_stream(std::uint64_t now_ms, const std::string& from_addr,
                                     const std::uint8_t* data, std::size_t size);

  // Runs every timer due at now_ms (probe, indirect probe, gossip, push-pull, suspicion, reap).
  void tick(std::uint64_t now_ms);
  // When tick() must next be called; may move earlier after any input.
  std::uint64_t next_deadline_ms() const;

  std::vector<Outgoing> take_outgoing();
  std::vector<Event> take_events();
  std::vector<UserPayload> take_user_payloads();

  // Queues an opaque payload (e.g. a CRDT delta) for epidemic gossip: it rides the same
  // piggyback queue, each node delivering it once and re-gossiping it up to
  // user_retransmit_mult * ceil(log10(N + 1)) times. Error if it cannot fit in one packet.
  shoal::Status broadcast_user(Bytes payload);

  // Supplies our user state for push-pull (memberlist Delegate.LocalState); called each time a
  // push-pull is built. Peers receive it as UserPayload::kRemoteState.
  void set_user_state(std::function<Bytes()> provider);

  // Bumps our incarnation and broadcasts alive with the new metadata. Error if it is too large.
  shoal::Status update_meta(std::uint64_t now_ms, NodeMeta meta);

  std::vector<Member> members() const;  // self included, sorted by id
  std::optional<Member> member(const NodeId& id) const;
  std::size_t num_alive() const;  // alive + suspect, self included (the N of the formulas)

  const NodeId& self() const;
  std::uint64_t incarnation() const;  // ours; the agent persists it
  const Config& config() const;
  const Counters& counters() const;
  void count_drop(DropReason reason);  // the shell's drops (seal, replay) in the same counters
  int health_score() const;            // Lifeguard local health, 0..awareness_max_multiplier-1
  std::size_t broadcast_queue_depth() const;  // messages waiting to be piggybacked (gossip backlog)

  // Inserts members as known without gossiping about them: restoring a persisted view, and the
  // simulator building a converged cluster of thousands without running N joins (the infos are
  // shared, so 10,000 nodes x 10,000 members stay ~40 bytes per entry). Entries about self or
  // already known are ignored. No events are emitted.
  void bootstrap_members(std::uint64_t now_ms, const std::vector<BootstrapEntry>& entries);

  struct State;  // implementation detail (swim.cc)

 private:
  explicit Swim(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace shoal::membership
