// Anti-entropy: periodic digest exchange with one random live peer, so whatever gossip lost is
// repaired. Sans-IO state machine: time and the peer list come in, digests/deltas go out; the
// agent moves the bytes (TCP push-pull: they may be large).
//
// One round, A -> B:
//   A: poll(now) returns {B, digest(A)}                       -> sends it to B
//   B: reply = on_digest(A, digest(A), state_B); sends reply + digest(B) to A
//   A: merges reply; on_digest(B, digest(B), state_A)         -> sends that delta to B; B merges
// A joining node sends an empty digest and so receives the full state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/rng.h"
#include "crdt/config.h"
#include "crdt/digest.h"
#include "crdt/tombstone_gc.h"

namespace shoal::crdt {

struct SyncRequest {
  NodeId peer;
  Digest digest;
};

class AntiEntropy {
 public:
  // The first round is due at now_ms + one interval.
  AntiEntropy(CrdtConfig config, std::uint64_t seed, std::uint64_t now_ms);

  std::uint64_t next_deadline_ms() const { return next_round_ms_; }

  // If a round is due: picks one of `live_peers` (self excluded by the caller) uniformly with
  // the seeded PRNG, schedules the next round, and returns whom to send which digest.
  // Nothing if not due yet or there is no peer (the next round is still scheduled).
  std::optional<SyncRequest> poll(std::uint64_t now_ms, const DesiredState& mine,
                                   const std::vector<NodeId>& live_peers);

  Digest digest(const DesiredState& mine) const;

  // A peer's digest arrived (a request, or the digest that came with a reply): remembers what
  // the peer has seen (for GC) and returns the delta it lacks (empty: send nothing).
  DesiredState on_digest(const NodeId& peer, const Digest& digest, const DesiredState& mine);

  // Drops tombstones every live member has seen (from the digests remembered here; if some
  // live member's digest is unknown, only the horizon applies), or older than the horizon.
  GcStats collect_garbage(DesiredState& state, const std::vector<NodeId>& live_peers,
                          std::uint64_t now_ms) const;

  // A member left or died: its old digest no longer counts.
  void forget(const NodeId& peer) { peer_seen_.erase(peer); }

 private:
  CrdtConfig config_;
  Rng rng_;
  std::uint64_t next_round_ms_;
  std::map<NodeId, CausalContext> peer_seen_;
};

}  // namespace shoal::crdt
