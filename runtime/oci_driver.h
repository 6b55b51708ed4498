// The `oci` driver: a task runs from a rootfs dir through an OCI runtime (runc or crun). The
// runtime writes <state>/bundles/<id>/config.json and runs `runc run` in the foreground as the
// task's top process: runc forwards our signals to the container, exits with its status and
// removes the container's cgroup and state when it ends. So the driver reuses spawn() and the
// Runtime treats the runc process like a process task. The Runtime puts the limits on its own
// cgroup <hierarchy>/<cgroup parent>/<id> and has runc nest the container's inside it
// (cgroupsPath .../<id>/container), so the OOM counter outlives runc's cleanup.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/cgroup_layout.h"
#include "runtime/spawn.h"
#include "runtime/task_spec.h"

namespace shoal::runtime {

// The OCI runtime binary to use. `preferred` (a path or name) wins when set. Otherwise runc,
// then crun; on a v1/hybrid host only runc, because crun 1.8 refuses hybrid hierarchies
// (ENVIRONMENT.md). Error when none fits.
Result<std::string> find_oci_runtime(const std::string& preferred, const CgroupLayout& layout);

struct OciLaunch {
  std::string runtime_bin;  // from find_oci_runtime
  std::string runtime_root; // --root: the OCI runtime's own state dir
  std::string bundle_dir;   // holds config.json
  std::string pid_file;     // runc writes the container's init pid here once it is created
  std::string stdout_path;
  std::string stderr_path;
};

// Writes config.json (atomically) for `spec` into launch.bundle_dir.
Status write_oci_bundle(const TaskSpec& spec, const std::string& bundle_dir, const std::string& cgroups_path);

// `<runtime> --root R run --bundle B --pid-file P <id>`
SpawnRequest oci_spawn_request(const TaskSpec& spec, const OciLaunch& launch);
// Exec health probe: `<runtime> --root R exec <id> <cmd...>`; TCP: connect in the container's
// network namespace (container_pid from the pid file).
SpawnRequest oci_probe_request(const TaskSpec& spec, const OciLaunch& launch, pid_t container_pid);
// `<runtime> --root R delete --force <id>`: cleanup after runc itself was killed.
SpawnRequest oci_delete_request(const std::string& id, const OciLaunch& launch);

// The cgroupsPath given to the OCI runtime: "/<parent>/<id>".
std::string oci_cgroups_path(const std::string& cgroup_parent, const std::string& id);

}  // namespace shoal::runtime
