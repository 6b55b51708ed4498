// Drops replayed packets without trusting anybody's wall clock. Every sealed packet carries,
// authenticated, its sender's id, the sender's *epoch* (64 random bits chosen once per process
// start), a *counter* (1, 2, ... per packet within the epoch) and an *echo*: the epoch of the
// destination that the sender currently accepts (0 if none yet). Within one epoch a packet is
// fresh if its counter was not seen yet within a sliding window of the last `kWindowPackets`
// counters (the IPsec/WireGuard anti-replay window, RFC 6479): datagrams may reorder within the
// window; anything further behind is dropped.
//
// Restarts. A peer that restarts picks a new epoch, and an attacker may replay packets captured
// from an older one; random epochs carry no order, so the echo decides. A packet that echoes
// *our* epoch was sealed after its sender heard us in this life of ours, so its epoch is the
// peer's live session: it becomes current and the previous current epoch is *retired*. A retired
// epoch is never accepted again while the peer is remembered (up to `retired_epochs_max` per
// peer), so once the new session is confirmed, an old session's packets are dropped. An
// unknown epoch without a valid echo (a restarted peer that has not heard us yet, or a replay)
// is accepted as a *candidate* within its own window but retires nothing: a replayed capture
// cannot lock the real peer out. The restarted peer's packets echo our epoch as soon as it hears
// any packet from us (a probe, gossip, an ack: well under a second), which confirms it.
// A receiver with no history of a peer (just started, or evicted it) accepts the first epoch it
// sees as current: unavoidable without a handshake; the membership protocol ignores stale
// incarnations and CRDT merges are idempotent, so replayed old packets are noise, not damage.
//
// Memory. The filter is consulted only after the AEAD check, so only holders of the cluster key
// can create senders or epochs. Still, memory is bounded whatever they send: at most
// `peers_max` peers (least recently heard evicted first), each with two windows and
// `retired_epochs_max` retired epochs (~400 bytes).
//
// Sans-IO and deterministic: no clock, no randomness; callers pass what the header says.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace shoal {

struct ReplayFilterConfig {
  // Peers remembered. Beyond it the least recently heard peer forgets its history (its epoch is
  // then accepted afresh). 4096: edge clusters are tens to hundreds of nodes; 4096 peers cost
  // ~1.6 MiB at the bound.
  std::size_t peers_max = 4096;
  // Retired epochs remembered per peer. 8: eight confirmed restarts of one peer while we were
  // up; 64 bytes per peer.
  std::size_t retired_epochs_max = 8;
};

enum class ReplayVerdict : std::uint8_t {
  kFresh,         // accepted (and now remembered)
  kDuplicate,     // this counter of this epoch was seen already
  kTooOld,        // more than kWindowPackets behind the newest counter of its epoch
  kRetiredEpoch,  // an epoch the peer has since replaced (confirmed by an echo)
  kInvalid,       // counter 0 or epoch 0 (no correct sender issues them)
};
const char* replay_verdict_name(ReplayVerdict verdict);

class ReplayFilter {
 public:
  // The window spans this many counters behind the newest. A sender numbers all its packets in
  // one sequence (to every destination), so the window must cover what it sends to everybody
  // during the longest reordering we tolerate: a push-pull sealed before its TCP connect (up to
  // the 5 s stream timeout) against its datagrams at ~50 packets/s: 250. 1024 leaves 4x room for
  // 128 bytes per window.
  static constexpr std::uint64_t kWindowPackets = 1024;

  // own_epoch: our own epoch, the one a fresh peer session echoes back.
  explicit ReplayFilter(std::uint64_t own_epoch, ReplayFilterConfig config = {});

  ReplayVerdict accept(std::uint64_t sender_id, std::uint64_t epoch, std::uint64_t counter,
                       std::uint64_t echo);

  // The peer's epoch we currently accept (0 if unknown): the echo to put in packets to it.
  std::uint64_t current_epoch(std::uint64_t sender_id) const;

  std::uint64_t own_epoch() const { return own_epoch_; }
  std::size_t peers() const { return peers_.size(); }
  std::uint64_t epoch_changes() const { return epoch_changes_; }  // confirmed peer restarts

 private:
  struct Window {
    std::uint64_t epoch = 0;   // 0 = empty
    std::uint64_t newest = 0;  // highest counter accepted
    std::array<std::uint64_t, kWindowPackets / 64> seen{};  // bit (c % kWindowPackets), c in window
  };
  struct Peer {
    Window current;
    Window candidate;                    // an unconfirmed newer (or replayed) epoch
    std::vector<std::uint64_t> retired;  // oldest first, at most retired_epochs_max
    std::list<std::uint64_t>::iterator lru;
  };
  Peer& peer(std::uint64_t sender_id);
  static ReplayVerdict check_window(Window& w, std::uint64_t counter);
  void promote(Peer& p, std::uint64_t epoch);

  std::uint64_t own_epoch_;
  ReplayFilterConfig config_;
  std::unordered_map<std::uint64_t, Peer> peers_;  // lookup only; eviction order is lru_
  std::list<std::uint64_t> lru_;                   // sender ids, most recently heard first
  std::uint64_t epoch_changes_ = 0;
};

}  // namespace shoal
