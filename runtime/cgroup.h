// One cgroup per task: created before the task execs (the child waits until its pid is in),
// limits written at creation, every member SIGKILLed on stop, OOM kills counted, removed once
// empty. Works on a pure v2 hierarchy (one dir) and on v1/hybrid (one dir per controller).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/cgroup_layout.h"

namespace shoal::runtime {

struct CgroupLimits {
  std::int64_t cpu_millis = 0;    // 0 = unlimited
  std::int64_t memory_bytes = 0;  // 0 = unlimited
  std::int64_t pids_max = 0;      // 0 = unlimited
};

// CFS period for cpu limits: the kernel default (100 ms). A shorter period throttles more
// smoothly but costs more scheduler work; 100 ms is what Docker and k8s use.
inline constexpr std::int64_t kCpuPeriodUs = 100'000;

// One control-file write. Pure: computed from the layout and limits, unit-tested without a kernel.
struct CgroupWrite {
  std::string path;   // absolute control file path
  std::string value;
  bool operator==(const CgroupWrite&) const = default;
};

// The writes that apply `limits` to the task cgroup `name` (relative path under each
// hierarchy, e.g. "shoal/web.1.3"), in the order the kernel needs (v1: memory before memsw).
// `memsw_available`: v1 memory.memsw.* exists (swap accounting); then swap is capped too, so
// the memory limit really OOM-kills instead of swapping.
std::vector<CgroupWrite> limit_writes(const CgroupLayout& layout, std::string_view name,
                                      const CgroupLimits& limits, bool memsw_available);

// "oom_kill N" from memory.events (v2) or memory.oom_control (v1); 0 if absent.
std::uint64_t parse_oom_kill_count(std::string_view text);

class TaskCgroup {
 public:
  // mkdir the task's cgroup in every hierarchy (parents too; on v2 enables the controllers in
  // the parents' cgroup.subtree_control) and writes the limits. An existing dir is reused.
  static Result<TaskCgroup> create(const CgroupLayout& layout, std::string_view parent,
                                   std::string_view task_id, const CgroupLimits& limits);
  // The cgroup of an existing task (adoption, or one created by runc), without touching it.
  static TaskCgroup attach(const CgroupLayout& layout, std::string_view parent, std::string_view task_id);

  TaskCgroup() = default;

  // cgroup.procs files a child's pid must be written to, one per hierarchy.
  std::vector<std::string> procs_files() const;
  Status add_process(pid_t pid) const;

  // Every pid in the cgroup and its nested groups (union over hierarchies, sorted, unique).
  std::vector<pid_t> pids() const;
  // SIGKILL every member: v2 `cgroup.kill` when the kernel has it, else each pid in
  // cgroup.procs, repeated (bounded) to catch processes forked meanwhile. Returns pids signalled.
  int kill_all() const;
  // OOM kills counted by the memory controller since the cgroup was created. v1 counts a kill
  // only in the victim's own cgroup (no propagation), so for nested groups see memory_limit_reached().
  std::uint64_t oom_kills() const;
  // The memory usage reached the limit at some point (v2: memory.events "max" > 0; v1: the
  // usage high-water mark equals the limit). With a SIGKILL exit this identifies an OOM kill
  // in a nested group.
  bool memory_limit_reached() const;
  // rmdir (nested groups first) in every hierarchy; ok if already gone; error (e.g. EBUSY)
  // while members remain.
  Status remove() const;
  bool exists() const;

  const std::vector<std::string>& dirs() const { return dirs_; }
  const std::string& memory_dir() const { return memory_dir_; }
  bool is_v2() const { return v2_; }

 private:
  std::vector<std::string> dirs_;   // task cgroup dir per hierarchy
  std::string memory_dir_;          // "" if no memory controller
  bool v2_ = false;
};

}  // namespace shoal::runtime
