#include "runtime/task_state.h"

namespace shoal::runtime {

std::string describe_exit(const ExitInfo& exit) {
  if (exit.oom_killed) return "OOM-killed (exceeded its memory limit)";
  if (!exit.known) return "exited (status unknown: the task was adopted after an agent restart)";
  if (exit.signal != 0) return "killed by signal " + std::to_string(exit.signal);
  return "exit " + std::to_string(exit.exit_code);
}

}  // namespace shoal::runtime
