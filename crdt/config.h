// Every knob of crdt/ in one place, each with its default and the reason for it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal::crdt {

struct CrdtConfig {
  // How often a node starts an anti-entropy round (digest exchange with one random live peer).
  // Deltas already ride the gossip broadcast queue, so anti-entropy only repairs what gossip
  // lost or a node missed while away; memberlist's push-pull runs every 30 s on LAN. 10 s bounds
  // repair of a lost delta to a few seconds of expected delay (each node picks a random peer, so
  // a lagging node is also contacted by others) at the cost of one digest per node per 10 s.
  std::uint64_t anti_entropy_interval_ms = 10'000;

  // Digest key-range buckets. Each bucket carries one 64-bit hash of the items that fall in it;
  // the buckets repair only the one case events cannot (a tombstone dropped by GC while a node
  // was away: see tombstone_gc.h). More buckets = finer repair, larger digest: 256 buckets = 2 KiB
  // per digest, and at 10,000 services a differing bucket resends ~40 of them.
  std::size_t digest_buckets = 256;

  // Tombstones older than this are dropped even if some live member's digest has not shown
  // them. This is the one place a long-partitioned node can resurrect a deleted key: if it
  // comes back after the horizon still holding the deleted write, that write is live again
  // everywhere. 10 days = Cassandra's gc_grace_seconds default (864000 s), the same trade-off:
  // partitions longer than that are treated as a node rebuild, not a heal.
  std::uint64_t tombstone_horizon_ms = 10ull * 24 * 3600 * 1000;
};

}  // namespace shoal::crdt
