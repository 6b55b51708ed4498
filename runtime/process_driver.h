// The `process` driver: a TaskSpec becomes a SpawnRequest for a host process in fresh pid,
// mount, uts and ipc namespaces (when isolation is on), joined to its cgroup before it runs,
// with stdout/stderr appended to its log files. Pure translation; spawn.h does the syscalls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/spawn.h"
#include "runtime/task_spec.h"

namespace shoal::runtime {

struct ProcessLaunch {
  std::string stdout_path;
  std::string stderr_path;
  std::vector<std::string> cgroup_procs_files;  // empty without cgroups
  bool namespaces = true;                       // false: run as a plain child (not root)
  std::string default_working_dir;              // used when the spec has none
};

SpawnRequest process_spawn_request(const TaskSpec& spec, const ProcessLaunch& launch);

// The health probe of a process task: the exec command, or a TCP connect, run inside the
// task's network (and, for exec, ipc, uts and mount) namespaces when it has them.
// `task_pid` is the task's top process (its pid-1 init when namespaced).
SpawnRequest process_probe_request(const TaskSpec& spec, pid_t task_pid, bool namespaces);

// The task's environment: spec.env, plus the standard PATH if it sets none.
std::vector<std::string> task_environment(const TaskSpec& spec);

}  // namespace shoal::runtime
