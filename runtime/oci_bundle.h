// The OCI runtime-spec config.json for a task (runtime-spec 1.0.2, what runc 1.1 and crun 1.8
// read). Pure: spec in, JSON text out; the driver writes it into the bundle dir.
// The container gets new pid, mount, ipc, uts (and optionally net) namespaces, the standard
// /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and /sys mounts, the rootfs as given (writable,
// not copied: tasks of one service share it), no new privileges, and the spec's cgroup limits
// at cgroupsPath.
#pragma once

#include <string>

#include "runtime/task_spec.h"

namespace shoal::runtime {

struct OciBundleOptions {
  std::string cgroups_path;   // e.g. "/shoal/web.1.3": runc creates it under every hierarchy
  std::string hostname;       // defaults to the task id
};

std::string oci_config_json(const TaskSpec& spec, const OciBundleOptions& options);

// JSON string literal with escapes (exposed for tests).
std::string json_quote(std::string_view text);

}  // namespace shoal::runtime
