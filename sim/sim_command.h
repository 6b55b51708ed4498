// `shoal sim`: runs the chaos scenario (sim/chaos.h) for one seed or a range of seeds and says
// whether the whole-cluster properties held; a failing seed's line is the command that
// replays it. Everything runs in this process, in virtual time: no agent, no network.
#pragma once

#include <string>
#include <vector>

namespace shoal::sim {

inline constexpr const char* kSimUsage =
    "usage: shoal sim [--seed N (1)] [--seeds K (1)] [--nodes N|MIN-MAX (4-7)] [--chaos-ms MS (40000)]\n"
    "  Simulates whole nodes under seeded faults (loss, partitions, crashes, clock skew, failed\n"
    "  persists, failing tasks), heals, and checks: every slot runs exactly once, no acknowledged\n"
    "  write is lost, every node holds the same state. Seeds N..N+K-1; exit 1 if any failed.\n";

// args: what follows `shoal sim`. Prints to stdout/stderr; returns the exit code.
int run_sim_command(const std::vector<std::string>& args);

}  // namespace shoal::sim
