// Every timing and bound of the agent shell, in one place, each with why its default is what it
// is. (Protocol knobs live with their cores: membership/config.h, crdt/config.h,
// placement/config.h, node/node_config.h, runtime/runtime.h RuntimeConfig.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal::agent_defaults {

// A graceful leave waits until the leave broadcast has gone out, never longer than this:
// 3 s is many gossip rounds (100 ms each in the lan profile).
inline constexpr std::uint64_t kLeaveMaxWaitMs = 3'000;

// A graceful stop waits this long for its tasks to exit before leaving anyway: the runtime's
// default stop grace (10 s, Docker's) plus its SIGKILL escalation (2 s).
inline constexpr std::uint64_t kStopTasksMaxWaitMs = 12'000;

// Key operations heard over gossip are deduplicated by id; this many ids are remembered.
inline constexpr std::size_t kSeenKeyOpsMax = 1024;

// Task starts per reconcile round stop after this long; the rest go to the next round. One
// start costs ~5-15 ms (fork into namespaces, cgroups, log and record files with fsync), and the
// same event loop answers SWIM probes and the API: 333 starts in one round blocked it ~5 s,
// peers declared the node failed and placement churned (bench/e2e, 1,000 replicas on 3 agents).
// 50 ms is a quarter of the lan probe timeout (200 ms).
inline constexpr std::uint64_t kStartBudgetMs = 50;

}  // namespace shoal::agent_defaults
