// What `shoal service progress NAME` answers, typed: the CLI's wait loop (cli/wait.cc) decides
// on these fields, so it reads them as numbers and strings, not by searching the JSON text.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace shoal {

struct Progress {
  std::string service;
  bool removed = false;       // the service no longer exists (the rest is unset)
  std::uint64_t version = 0;  // the service's spec version now
  std::uint64_t desired = 0;  // slots that should run
  std::uint64_t ready = 0;    // running or healthy on the current version
  std::uint64_t pending = 0;  // no node can take them (message says why)
  std::string phase;          // converging, updating, paused, rolling_back, monitoring, completed
  std::string message;        // the first error or pending reason, "" if none
};

// The agent's progress JSON (agent/workload_commands.cc). Errors name the field that is missing
// or of the wrong type: the agent and CLI versions disagree.
Result<Progress> parse_progress(const std::string& json);

}  // namespace shoal
