// The cluster key on its way into `shoal agent`: read from --key-file, and wiped from the places
// other processes can read. argv is world-readable in /proc/PID/cmdline (`ps`); the environment
// is readable by the same user in /proc/PID/environ. Task shims (the pid-1 init of a task's
// namespaces) are clones of the agent that never exec, so they show the agent's argv and
// environment memory for the task's whole life: wiping them here, before any task starts,
// keeps the key out of every task process too (tasks themselves get an explicit environment).
#pragma once

#include <string>

#include "agent/agent_config.h"
#include "common/result.h"

namespace shoal {

// Overwrites the value of every `--key B64` / `--key=B64` in argv with 'x' (same length: the
// kernel's cmdline view is the argv memory itself) and the value of SHOAL_KEY in environ,
// then unsets SHOAL_KEY. Call once, after the values were copied out.
void wipe_key_from_process(int argc, char** argv);

// With --key-file set, reads the key from it into config.key_b64 (first line, trimmed).
// Refuses a file that group or others may read, as ssh does with private keys.
Status load_key_file(AgentConfig& config);

}  // namespace shoal
