// Every timing and bound of the node core, each with why its default is what it is. (Protocol
// knobs live with their cores: membership/config.h, crdt/config.h, placement/config.h.)
#pragma once

#include <cstddef>
#include <cstdint>

#include "crdt/config.h"

namespace shoal::node {

struct NodeConfig {
  // Anti-entropy interval, digest size, tombstone horizon (crdt/config.h).
  crdt::CrdtConfig crdt;

  // Joins to the --join seeds and to peers remembered on disk, sent whenever one of them is not
  // in the alive view -- forever, not only until a first peer answers, so two sides of a
  // partition that outlived the dead-member retention (24 h) still find each other again. The
  // first retry after join_backoff_first_ms, doubling up to join_backoff_max_ms; a change of
  // the alive view starts again from the first. 0.5 s: nodes started together (and a healed
  // partition) meet within a second or two. 30 s (serf's retry interval): a seed that is gone
  // for good costs one push-pull every 30 s, and a node whose seeds are all down does not
  // hammer them; it is also the longest a healed partition waits before the retry finds it.
  std::uint64_t join_backoff_first_ms = 500;
  std::uint64_t join_backoff_max_ms = 30'000;

  // A member seen joining (or back after a partition) gets an anti-entropy round at once, at
  // most this many per second: a node joining a 10,000-node cluster hears thousands of joins
  // at once, and a few full syncs already give it everything.
  std::uint32_t join_syncs_per_second = 4;

  // Remote state merges are persisted at most this often (local writes are persisted before
  // they are acknowledged or spread): a burst of task-status gossip then costs one file write,
  // not hundreds. The trade-off: a crash loses up to this much *remote* state, which
  // anti-entropy brings back from peers after the restart.
  std::uint64_t persist_debounce_ms = 200;

  // Safety-net period of the level-triggered reconcile loop; events trigger it at once anyway.
  std::uint64_t reconcile_interval_ms = 1'000;
  // Bursts of events (a join brings many deltas) are batched into one reconcile this long.
  std::uint64_t reconcile_coalesce_ms = 10;

  // A starting node that expects peers starts and stops nothing until it has a live peer and
  // one complete anti-entropy exchange (node/settle_gate.h), or until this long has passed:
  // then it acts on what it knows (a node that comes back cut off still runs its work). 5 s
  // covers the first three join retries (0.5 + 1 + 2 s) and a sync on a loaded node; tasks
  // that outlived the agent keep running meanwhile, so the wait only delays changes.
  std::uint64_t settle_timeout_ms = 5'000;

  // A service with --on-partition majority: the majority side re-places the slots of a node it
  // declared failed only after isolation_timeout + this (node/partition_fence.h). It must cover
  // how long the cut-off node takes to notice it lost the majority (one probe round: members x
  // probe_interval_ms, 400 ms, so 2 s at 5 nodes) plus the runtime's stop grace (SIGTERM ->
  // SIGKILL, 10 s), so the old copy is dead before the new one starts. 15 s covers both for up
  // to 10 nodes at the default probe interval; larger clusters or slower probing need more.
  std::uint64_t fence_margin_ms = 15'000;

  // Local writes waiting behind the one being persisted (writes arrive one API request at a
  // time; task-status reports of one runtime poll are one write). Beyond this the write is
  // refused with an error the user can retry: a disk that stalls must not grow memory forever.
  std::size_t max_queued_writes = 1'024;
};

}  // namespace shoal::node
