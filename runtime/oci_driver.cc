#include "runtime/oci_driver.h"

#include <unistd.h>

#include "runtime/fs_util.h"
#include "runtime/oci_bundle.h"

namespace shoal::runtime {

Result<std::string> find_oci_runtime(const std::string& preferred, const CgroupLayout& layout) {
  const std::vector<std::string> host_env = {std::string("PATH=") + kDefaultPath};
  if (!preferred.empty()) {
    auto bin = resolve_command(preferred, host_env);
    if (bin && ::access(bin->c_str(), X_OK) != 0)
      return make_error("OCI runtime " + *bin + " is not executable (or missing)");
    return bin;
  }
  if (auto runc = resolve_command("runc", host_env)) return runc;
  if (layout.mode == CgroupMode::kV1)
    return make_error("no usable OCI runtime: runc is not installed and crun does not support "
                      "v1/hybrid cgroup hosts; install runc (apt-get install runc)");
  if (auto crun = resolve_command("crun", host_env)) return crun;
  return make_error("no OCI runtime found: install runc or crun (apt-get install runc)");
}

std::string oci_cgroups_path(const std::string& cgroup_parent, const std::string& id) {
  return "/" + join_path(cgroup_parent, id);
}

Status write_oci_bundle(const TaskSpec& spec, const std::string& bundle_dir, const std::string& cgroups_path) {
  if (auto s = make_dirs(bundle_dir, 0700); !s) return s;
  OciBundleOptions options;
  options.cgroups_path = cgroups_path;
  return write_file_atomic(join_path(bundle_dir, "config.json"), oci_config_json(spec, options));
}

SpawnRequest oci_spawn_request(const TaskSpec& spec, const OciLaunch& launch) {
  SpawnRequest r;
  r.argv = {launch.runtime_bin, "--root", launch.runtime_root, "run", "--bundle", launch.bundle_dir,
            "--pid-file", launch.pid_file, spec.id};
  r.env = {std::string("PATH=") + kDefaultPath};
  r.stdout_path = launch.stdout_path;
  r.stderr_path = launch.stderr_path;
  return r;
}

SpawnRequest oci_probe_request(const TaskSpec& spec, const OciLaunch& launch, pid_t container_pid) {
  SpawnRequest r;
  r.env = {std::string("PATH=") + kDefaultPath};
  if (spec.health.kind == HealthCheckSpec::Kind::kTcp) {
    r.tcp_connect_port = spec.health.tcp_port;
    r.join_namespaces_of = container_pid;
    return r;
  }
  r.argv = {launch.runtime_bin, "--root", launch.runtime_root, "exec", spec.id};
  r.argv.insert(r.argv.end(), spec.health.command.begin(), spec.health.command.end());
  return r;
}

SpawnRequest oci_delete_request(const std::string& id, const OciLaunch& launch) {
  SpawnRequest r;
  r.argv = {launch.runtime_bin, "--root", launch.runtime_root, "delete", "--force", id};
  r.env = {std::string("PATH=") + kDefaultPath};
  return r;
}

}  // namespace shoal::runtime
