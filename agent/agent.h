// The shoal daemon: wires membership (and, as they land, desired state, placement, runtime and
// dataplane) onto one io_context, serves the local API, and persists what must survive restarts.
#pragma once

#include "agent/agent_config.h"

namespace shoal {

// Runs until SIGTERM/SIGINT (graceful leave: peers see `left`) and returns the exit code.
int run_agent(const AgentConfig& config);

}  // namespace shoal
