// Which cgroup hierarchy this host has, probed once at start from the files under the cgroup
// root (default /sys/fs/cgroup), so tests can point it at a fake directory tree.
//   pure v2:   <root>/cgroup.controllers exists; limits via cpu.max, memory.max, pids.max
//   hybrid/v1: per-controller v1 mounts <root>/{cpu,memory,pids} (cpu may be "cpu,cpuacct");
//              a v2 mount at <root>/unified may exist but holds no controllers we can use
//   none:      neither (containers without cgroupfs, tests on a laptop)
// Each of cpu, memory and pids is resolved on its own: a controller missing from the host just
// means that limit is not enforced (reported in `missing`), not that cgroups are off.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace shoal::runtime {

enum class CgroupMode : std::uint8_t { kNone = 0, kV2 = 1, kV1 = 2 };

struct CgroupLayout {
  CgroupMode mode = CgroupMode::kNone;
  std::string root;         // the probed root
  std::string unified_dir;  // v2 mount ("" if none): root itself (pure v2) or root/unified
  // The hierarchy dir holding each controller: for v2 all equal unified_dir; for v1 each
  // controller's own mount; "" when the controller is unavailable.
  std::string cpu_dir;
  std::string memory_dir;
  std::string pids_dir;
  std::vector<std::string> missing;  // controllers we could not find, e.g. {"pids"}
  // Every cgroup hierarchy mounted under root (v1: cpuset, blkio, ..., unified too), sorted.
  // We put limits only in cpu/memory/pids, but an OCI runtime creates the task's cgroup in all
  // of them; cleanup and the orphan sweep must look everywhere.
  std::vector<std::string> all_hierarchies;
  bool writable = false;             // we may create cgroups (root, or delegated)

  bool enabled() const { return mode != CgroupMode::kNone && writable; }
  // The distinct hierarchy dirs a task's cgroup lives in (v2: one; v1: up to three), sorted.
  std::vector<std::string> hierarchies() const;
  // One line for the agent's start-up log: "cgroup v1 (hybrid): cpu=... memory=... pids=...".
  std::string describe() const;
};

CgroupLayout probe_cgroup_layout(const std::string& root = "/sys/fs/cgroup");

const char* cgroup_mode_name(CgroupMode mode);

}  // namespace shoal::runtime
