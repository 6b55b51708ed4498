// The runtime facade the agent drives: start, stop, poll, list, logs. It is an I/O shell (it
// forks, signals, reads /proc and cgroupfs) around the pure cores (HealthChecker,
// RestartTracker), and it never blocks for long: start() returns once the task has exec'd
// (~1 ms), stop() sends SIGTERM and returns, and the SIGKILL after the grace period, health
// probes, restarts and exit reaping all happen in poll(now). The agent calls poll() at
// next_deadline_ms() and whenever it gets SIGCHLD (SIGCHLD must not be SIG_IGN).
//
// Tasks outlive the agent on purpose: each running task is recorded in the state dir, so a
// restarted agent adopts them (list() shows them, state kept) instead of restarting healthy
// tasks. Tasks it no longer wants it stops like any other. Cgroups under our parent that no
// record explains are orphans: killed and removed at open().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_layout.h"
#include "runtime/health_checker.h"
#include "runtime/log_rotation.h"
#include "runtime/restart_policy.h"
#include "runtime/task_spec.h"
#include "runtime/task_state.h"
#include "runtime/task_store.h"

namespace shoal::runtime {

struct RuntimeConfig {
  // Task records (adoption), OCI bundles and the OCI runtime's --root live here.
  std::string state_dir = "/var/lib/shoal/runtime";
  // Per-task stdout/stderr: <log_dir>/<id>.stdout.log and .stderr.log (a spec may override).
  std::string log_dir = "/var/log/shoal/tasks";
  std::string cgroup_root = "/sys/fs/cgroup";
  // Task cgroups are <hierarchy>/<cgroup_parent>/<task id>; everything under the parent
  // belongs to this runtime (orphans there are killed), so give each agent on a host its own.
  std::string cgroup_parent = "shoal";
  // false (default): without root the runtime says so once (notices()) and runs tasks as plain
  // child processes without namespaces or limits. true: that is an error at open().
  bool require_isolation = false;
  // SIGTERM -> SIGKILL grace when stop() is given a negative grace, and for unhealthy tasks.
  // Docker's `stop` default is 10 s: long enough for a server to drain connections.
  std::int64_t default_stop_grace_ms = 10'000;
  // After the cgroup is SIGKILLed, how long the top process (runc) gets to clean up before it
  // is SIGKILLed too. runc needs tens of ms to delete a container; 2 s is generous.
  std::int64_t kill_escalation_ms = 2'000;
  // Poll period for what has no event: adopted tasks (not our children: no SIGCHLD), OCI
  // containers being created, probes. 100 ms keeps "exited -> reported" latency below the
  // e2e target of 1 s at negligible cost (one /proc read per adopted task).
  std::int64_t liveness_check_ms = 100;
  // OCI runtime binary; "" = auto (runc, then crun when the host is pure v2).
  std::string oci_runtime;
  // Bound on tasks in the table (running or terminal, until forget()).
  std::size_t max_tasks = 4096;
  // Size cap and generations of each task's stdout/stderr (runtime/log_rotation.h), checked
  // every liveness_check_ms while the task runs.
  LogLimits log_limits;
  // The program that writes each task's output into its log files as timestamped records
  // (log_pump.h), run as `<log_pump> log-pump ...`; the agent gives its own binary
  // (/proc/self/exe). "" = tasks write their files directly, untimestamped, capped from outside
  // by LogRotator (what the runtime's own tests use, having no shoal binary).
  std::string log_pump;
  // After a poll that rotated a log, the next check comes this soon instead of after
  // liveness_check_ms: a task writing 300 MB/s grows its file 30 MB in 100 ms but 3 MB in 10,
  // so the overshoot past the cap stays small; a quiet task costs nothing extra.
  std::int64_t log_check_fast_ms = 10;
};

struct LogPaths {
  std::string stdout_path;
  std::string stderr_path;
};

// What the runtime did since it opened, for metrics (the agent's shell reads them). A restart
// is a start the restart policy made; an OOM kill or a health-check failure ends a task.
struct RuntimeCounters {
  std::uint64_t starts = 0;                 // processes/containers started (restarts included)
  std::uint64_t restarts = 0;               // starts by the restart policy after an exit
  std::uint64_t oom_kills = 0;              // exits the kernel's OOM killer caused
  std::uint64_t health_check_failures = 0;  // tasks declared unhealthy (retries exhausted)
};

class Runtime {
 public:
  static Result<std::unique_ptr<Runtime>> open(RuntimeConfig config, std::int64_t now_ms);
  // Leaves tasks running (for adoption by the next agent); kills in-flight probes.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Starts a task; error if the spec is invalid, the id is already running, or the process
  // cannot be started (with the reason: command not found, cgroup write failed, ...).
  // A terminal task with the same id is replaced.
  Status start(const TaskSpec& spec, std::int64_t now_ms);

  // SIGTERM now; SIGKILL (the whole cgroup) at now + grace_ms, done by poll(). A negative
  // grace means default_stop_grace_ms. Cancels a pending restart. Idempotent.
  Status stop(std::string_view id, std::int64_t grace_ms, std::int64_t now_ms);
  // stop() for every task (the agent's clean shutdown: nothing left behind).
  void stop_all(std::int64_t grace_ms, std::int64_t now_ms);

  // Reaps exits, detects OOM kills, runs health probes, escalates stops, restarts tasks.
  // Returns every status change since the last call, in order.
  std::vector<TaskStatus> poll(std::int64_t now_ms);

  // When poll() must next be called (kNever if nothing is pending).
  std::int64_t next_deadline_ms() const;

  std::vector<TaskStatus> list() const;  // sorted by id
  std::optional<TaskStatus> status(std::string_view id) const;
  std::optional<TaskSpec> spec(std::string_view id) const;
  Result<LogPaths> logs(std::string_view id) const;
  const LogLimits& log_limits() const { return config_.log_limits; }

  // Drops a terminal task from the table (and its bundle; its logs too if delete_logs).
  // Error while the task still runs or its cgroup could not be removed yet.
  Status forget(std::string_view id, bool delete_logs);

  // Messages for the operator, said once: isolation off, adoptions, orphans cleaned, corrupt
  // records. The agent logs them at start.
  const std::vector<std::string>& notices() const { return notices_; }
  bool isolation() const { return isolation_; }
  const RuntimeCounters& counters() const { return counters_; }
  const CgroupLayout& cgroup_layout() const { return layout_; }

 private:
  struct Task;

  explicit Runtime(RuntimeConfig config);
  Status init(std::int64_t now_ms);
  void adopt_records(std::int64_t now_ms);
  void remove_orphan_cgroups();

  Status launch(Task& t, std::int64_t now_ms);
  Status launch_process(Task& t);
  Status launch_oci(Task& t);
  void step(Task& t, std::int64_t now_ms);
  std::optional<ExitInfo> check_exit(Task& t);
  bool was_oom_killed(const Task& t, const ExitInfo& exit) const;
  void on_exited(Task& t, ExitInfo exit, std::int64_t now_ms);
  void check_oci_started(Task& t, std::int64_t now_ms);
  void step_health(Task& t, std::int64_t now_ms);
  void rotate_logs(Task& t);
  void begin_stop(Task& t, std::int64_t grace_ms, std::int64_t now_ms);
  void escalate(Task& t, std::int64_t now_ms);
  void signal_task(const Task& t, int sig) const;
  void cleanup_cgroup(Task& t);
  void remove_foreign_cgroups(const std::string& id);
  void set_state(Task& t, TaskState state, std::int64_t now_ms, std::string error = {});
  void persist(const Task& t);
  TaskRecord record_of(const Task& t) const;
  Status save_record(const Task& t, const char* when);
  void abort_unrecorded(Task& t);
  void reap_helpers();
  void kill_probe(Task& t);

  RuntimeConfig config_;
  CgroupLayout layout_;
  bool isolation_ = false;   // namespaces + cgroups
  std::string oci_runtime_;  // "" = oci driver unavailable (reason in oci_error_)
  std::string oci_error_;
  TaskStore store_;
  std::map<std::string, Task, std::less<>> tasks_;  // ordered: iteration is deterministic
  std::vector<TaskStatus> changes_;
  std::vector<pid_t> helpers_;      // abandoned probes, runc delete, log pumps: reaped in poll()
  std::vector<TaskCgroup> dead_cgroups_;  // orphans still busy when we tried to remove them
  std::vector<std::string> notices_;
  std::int64_t last_poll_ms_ = 0;
  RuntimeCounters counters_;
  bool rotated_last_poll_ = false;  // poll again after log_check_fast_ms
};

}  // namespace shoal::runtime
