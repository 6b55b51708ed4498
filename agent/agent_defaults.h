// Every timing and bound of the agent shell, in one place, each with why its default is what it
// is. (Protocol knobs live with their cores: membership/config.h, crdt/config.h,
// placement/config.h, runtime/runtime.h RuntimeConfig.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal::agent_defaults {

// --join retry: the first retry after join_backoff_first_ms, doubling up to this cap, until a
// seed answers. 30 s (serf's retry interval) keeps a node whose seeds are all down from
// hammering them, while the first retries come quickly for nodes started together.
inline constexpr std::uint64_t kJoinBackoffFirstMs = 500;
inline constexpr std::uint64_t kJoinBackoffMaxMs = 30'000;

// A graceful leave waits until the leave broadcast has gone out, never longer than this:
// 3 s is many gossip rounds (100 ms each in the lan profile).
inline constexpr std::uint64_t kLeaveMaxWaitMs = 3'000;

// A graceful stop waits this long for its tasks to exit before leaving anyway: the runtime's
// default stop grace (10 s, Docker's) plus its SIGKILL escalation (2 s).
inline constexpr std::uint64_t kStopTasksMaxWaitMs = 12'000;

// Key operations heard over gossip are deduplicated by id; this many ids are remembered.
inline constexpr std::size_t kSeenKeyOpsMax = 1024;

// A member seen joining (or back after a partition) gets an anti-entropy round at once, at most
// this many per second: a node joining a 10,000-node cluster hears thousands of joins at once,
// and a few full syncs already give it everything.
inline constexpr std::uint32_t kJoinSyncsPerSecond = 4;

// Remote state merges are persisted at most this often (local writes are persisted before they
// are acknowledged): a burst of task-status gossip then costs one file write, not hundreds.
inline constexpr std::uint64_t kPersistDebounceMs = 200;

// Safety-net period of the level-triggered reconcile loop; events trigger it at once anyway.
inline constexpr std::uint64_t kReconcileIntervalMs = 1'000;
// Bursts of events (a join brings many deltas) are batched into one reconcile this long.
inline constexpr std::uint64_t kReconcileCoalesceMs = 10;

// Task starts per reconcile round stop after this long; the rest go to the next round. One
// start costs ~5-15 ms (fork into namespaces, cgroups, log and record files with fsync), and the
// same event loop answers SWIM probes and the API: 333 starts in one round blocked it ~5 s,
// peers declared the node failed and placement churned (bench/e2e, 1,000 replicas on 3 agents).
// 50 ms is a quarter of the lan probe timeout (200 ms).
inline constexpr std::uint64_t kStartBudgetMs = 50;

// A starting agent that expects peers starts and stops nothing until it has a live peer and one
// complete anti-entropy exchange (agent/settle_gate.h), or until this long has passed: then it
// acts on what it knows (a node that comes back cut off still runs its work). 5 s covers the
// first three join retries (0.5 + 1 + 2 s) and a sync on a loaded node; tasks that outlived the
// agent keep running meanwhile, so the wait only delays changes.
inline constexpr std::uint64_t kSettleTimeoutMs = 5'000;

}  // namespace shoal::agent_defaults
