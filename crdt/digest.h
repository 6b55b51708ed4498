// Digest: a compact summary of a replica, so anti-entropy sends a peer only what it lacks.
//   seen          the events the replica has merged (version vector + out-of-order dots);
//                 a peer sends back exactly the records of events missing here.
//   bucket_hashes one 64-bit hash per key range (items hashed to buckets by key); used only
//                 when both sides have seen the same events yet hold different items, which
//                 happens only after tombstone GC (see tombstone_gc.h): then whole differing
//                 buckets are exchanged.
#pragma once

#include <cstdint>
#include <vector>

#include "crdt/desired_state.h"

namespace shoal::crdt {

// Peers' digests with more buckets than this get no bucket repair (bounds our work per digest).
inline constexpr std::size_t kMaxDigestBuckets = 65536;

struct Digest {
  CausalContext seen;
  std::vector<std::uint64_t> bucket_hashes;

  bool operator==(const Digest&) const = default;
};

Digest make_digest(const DesiredState& state, std::size_t bucket_count);

// The delta `peer` lacks, given its digest: every item whose event the peer has not seen (live
// writes, tombstones, availability, task entries), plus this replica's `seen` (after merging,
// the peer has everything this replica has seen). If the peer has seen exactly the same events
// but some buckets differ, the items of those buckets too. An empty digest (a joining node)
// yields the full state. Returns an empty state if the peer lacks nothing.
DesiredState delta_for_peer(const DesiredState& mine, const Digest& peer);

}  // namespace shoal::crdt
