#include "runtime/process_driver.h"

namespace shoal::runtime {

std::vector<std::string> task_environment(const TaskSpec& spec) {
  std::vector<std::string> env = spec.env;
  bool has_path = false;
  for (const auto& e : env) has_path = has_path || e.starts_with("PATH=");
  if (!has_path) env.push_back(std::string("PATH=") + kDefaultPath);
  return env;
}

SpawnRequest process_spawn_request(const TaskSpec& spec, const ProcessLaunch& launch) {
  SpawnRequest r;
  r.argv = spec.command;
  r.env = task_environment(spec);
  r.working_dir = spec.working_dir.empty() ? launch.default_working_dir : spec.working_dir;
  r.stdout_path = launch.stdout_path;
  r.stderr_path = launch.stderr_path;
  r.new_namespaces = launch.namespaces;
  r.hostname = spec.id;
  r.network_namespace = spec.network_namespace;
  if (launch.namespaces) r.resolv_conf = spec.resolv_conf;
  r.cgroup_procs_files = launch.cgroup_procs_files;
  return r;
}

SpawnRequest process_probe_request(const TaskSpec& spec, pid_t task_pid, bool namespaces) {
  SpawnRequest r;
  r.env = task_environment(spec);
  if (spec.health.kind == HealthCheckSpec::Kind::kTcp) {
    r.tcp_connect_port = spec.health.tcp_port;
  } else {
    r.argv = spec.health.command;
  }
  if (namespaces) {
    r.join_namespaces_of = task_pid;
  } else if (spec.network_namespace != "new") {
    r.network_namespace = spec.network_namespace;  // a path to join, or "" (host)
  }
  return r;
}

}  // namespace shoal::runtime
