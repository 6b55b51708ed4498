// A task's observed state as the runtime reports it (written back to the CRDT by the agent).
// The lifecycle is a small DAG; restarts go back from `failed` to `starting`:
//   assigned -> starting -> running -> healthy -> (failed | shutdown)
// `healthy` is reached only after a health check passes, or right at `running` if the task has
// no check. `shutdown` means stopped on request (or exited and not restarted with condition none
// and exit 0); `failed` means it exited on its own, was OOM-killed, or failed its health check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace shoal::runtime {

enum class TaskState : std::uint8_t {
  kAssigned = 0,
  kStarting = 1,
  kRunning = 2,
  kHealthy = 3,
  kFailed = 4,
  kShutdown = 5,
};

const char* task_state_name(TaskState state);

// true for states a task does not leave without a new start (or a restart).
inline bool is_terminal(TaskState s) { return s == TaskState::kFailed || s == TaskState::kShutdown; }

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
