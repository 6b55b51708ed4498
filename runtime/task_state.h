// How a task ended and what the runtime reports about it. The states themselves are
// shoal::TaskState (common/vocabulary.h), shared with the CRDT and placement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/vocabulary.h"

namespace shoal::runtime {

using shoal::TaskState;  // common/vocabulary.h
using shoal::is_terminal;

// How a task's main process ended. Through the pid-1 shim of a pid namespace, death by signal N
// arrives as exit code 128+N (the shell convention); `signal` is filled in either way.
struct ExitInfo {
  int exit_code = 0;       // 0..255; 128+N when killed by signal N
  int signal = 0;          // 0 if it exited normally
  bool oom_killed = false; // the task's cgroup counted an OOM kill
  bool known = true;       // false for an adopted task (not our child: no wait status)

  bool success() const { return known && exit_code == 0 && signal == 0 && !oom_killed; }
  bool operator==(const ExitInfo&) const = default;
};

struct TaskStatus {
  std::string id;
  TaskState state = TaskState::kAssigned;
  std::int64_t since_ms = 0;       // when it entered `state` (runtime's clock)
  int pid = 0;                     // host pid of the task's top process, 0 if none
  std::uint32_t restarts = 0;      // restarts done by the restart policy so far
  // Exited on its own and the restart policy keeps it down (none; on-failure after exit 0;
  // attempts exhausted): the slot's work is finished, and nothing may start it again. A task
  // stopped on request is not `finished`: whoever stopped it may want it back.
  bool finished = false;
  std::optional<ExitInfo> exit;    // set once the task has exited
  std::string error;               // for failed: what happened, in words a user can act on

  bool operator==(const TaskStatus&) const = default;
};

// "exit 1", "killed by signal 9", "OOM-killed (memory limit)" ...
std::string describe_exit(const ExitInfo& exit);

}  // namespace shoal::runtime
