#include "runtime/runtime.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/fs_util.h"
#include "runtime/log_pump.h"
#include "runtime/oci_driver.h"
#include "runtime/process_driver.h"
#include "runtime/spawn.h"

namespace shoal::runtime {

struct Runtime::Task {
  explicit Task(TaskSpec s) : spec(std::move(s)), restart(spec.restart) { status.id = spec.id; }

  TaskSpec spec;
  TaskStatus status;
  RestartTracker restart;
  pid_t pid = 0;                 // top process: pid-1 init, plain child, or runc
  std::uint64_t start_time = 0;
  bool our_child = false;        // false when adopted: no waitpid, liveness via /proc
  std::optional<TaskCgroup> cgroup;
  std::uint64_t oom_baseline = 0;
  std::optional<HealthChecker> health;
  pid_t probe_pid = 0;
  pid_t container_pid = 0;       // oci: the container's init, from the pid file
  LogPaths logs;
  LogRotator stdout_rotator, stderr_rotator;  // hold the logs open once they rotate (log_rotation.h)
  std::string bundle_dir;
  bool stop_requested = false;
  bool unhealthy = false;
  bool sigkilled = false;                 // escalate() sent SIGKILL: a SIGKILL exit is ours
  std::int64_t kill_at_ms = kNever;       // SIGKILL the cgroup / process group
  std::int64_t hard_kill_at_ms = kNever;  // SIGKILL the top process (runc) too
  std::int64_t restart_at_ms = kNever;
  bool cgroup_busy = false;               // exited, but rmdir said EBUSY: retry in poll()
  bool log_rotation_failed = false;       // reported once in notices_

  bool live() const { return pid > 0; }
  bool is_oci() const { return spec.driver == DriverKind::kOci; }
};

namespace {

std::string runc_root(const RuntimeConfig& c) { return join_path(c.state_dir, "oci-runtime"); }
std::string tasks_dir(const RuntimeConfig& c) { return join_path(c.state_dir, "tasks"); }
std::string bundles_dir(const RuntimeConfig& c) { return join_path(c.state_dir, "bundles"); }

// Exit status of a top process. Through our pid-1 init or runc, death by signal N arrives as
// 128+N: decode it so callers see the signal either way.
// The request with the log pump set when the config names one.
SpawnRequest with_log_pump(SpawnRequest request, const RuntimeConfig& config) {
  if (config.log_pump.empty()) return request;
  request.log_pump.program = config.log_pump;
  request.log_pump.argv = {"shoal", "log-pump"};
  for (auto& a : log_pump_args(config.log_limits, request.stdout_path, request.stderr_path))
    request.log_pump.argv.push_back(std::move(a));
  return request;
}

ExitInfo decode_wait_status(int status, bool via_shim) {
  ExitInfo e;
  if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
    e.exit_code = 128 + e.signal;
  } else {
    e.exit_code = WEXITSTATUS(status);
    if (via_shim && e.exit_code > 128 && e.exit_code < 128 + NSIG) e.signal = e.exit_code - 128;
  }
  return e;
}

}  // namespace

Runtime::Runtime(RuntimeConfig config) : config_(std::move(config)), store_(tasks_dir(config_)) {}

Runtime::~Runtime() {
  for (auto& [id, t] : tasks_) kill_probe(t);
  for (pid_t p : helpers_) {
    ::kill(p, SIGKILL);
    while (::waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  // Our parent cgroup goes too once no task cgroup is left under it (a clean agent stop), so
  // agents with throwaway data dirs do not leave one empty dir per run in every hierarchy.
  // rmdir fails while tasks live on for adoption, which is what we want.
  if (isolation_)
    for (const auto& h : layout_.all_hierarchies) ::rmdir(join_path(h, config_.cgroup_parent).c_str());
}

Result<std::unique_ptr<Runtime>> Runtime::open(RuntimeConfig config, std::int64_t now_ms) {
  std::unique_ptr<Runtime> rt(new Runtime(std::move(config)));
  if (auto s = rt->init(now_ms); !s) return s.error();
  return rt;
}

Status Runtime::init(std::int64_t now_ms) {
  last_poll_ms_ = now_ms;
  layout_ = probe_cgroup_layout(config_.cgroup_root);
  const bool root = have_isolation_privileges();
  isolation_ = root && layout_.enabled();
  if (!isolation_) {
    std::string why = !root ? "not running as root" : layout_.describe();
    if (config_.require_isolation)
      return make_error("task isolation is required but unavailable (" + why +
                        "); run as root on a host with cgroups, or drop the requirement");
    notices_.push_back("tasks run WITHOUT namespaces or cgroup limits: " + why);
  } else {
    notices_.push_back(layout_.describe());
  }
  if (auto s = validate_task_id(config_.cgroup_parent); !s)
    return make_error("cgroup parent: " + s.message());
  if (auto s = validate(config_.log_limits); !s) return s;
  for (const auto& dir : {config_.state_dir, bundles_dir(config_), runc_root(config_), config_.log_dir})
    if (auto s = make_dirs(dir, 0700); !s) return s;
  if (auto s = store_.init(); !s) return s;
  auto oci = find_oci_runtime(config_.oci_runtime, layout_);
  if (oci) {
    oci_runtime_ = *oci;
  } else {
    oci_error_ = oci.message();
  }
  adopt_records(now_ms);
  if (isolation_) remove_orphan_cgroups();
  return {};
}

void Runtime::adopt_records(std::int64_t now_ms) {
  auto loaded = store_.load_all();
  for (auto& e : loaded.errors) notices_.push_back("task record: " + e);
  for (auto& rec : loaded.records) {
    Task t(rec.spec);
    t.logs = {rec.stdout_path, rec.stderr_path};
    t.bundle_dir = rec.bundle_dir;
    t.status.restarts = rec.restarts;
    if (isolation_) t.cgroup = TaskCgroup::attach(layout_, rec.cgroup_parent, rec.spec.id);
    if (process_alive(rec.pid, rec.start_time)) {
      t.pid = rec.pid;
      t.start_time = rec.start_time;
      t.status.pid = rec.pid;
      t.restart.on_start(now_ms);
      // Counters since the cgroup was made: the task's whole life, which is what we want.
      t.oom_baseline = 0;
      // Keep the reported state (a healthy task stays healthy); probes resume from now.
      if (rec.spec.health.kind != HealthCheckSpec::Kind::kNone) t.health.emplace(rec.spec.health, now_ms);
      if (t.is_oci()) {
        auto pid_text = read_file(join_path(t.bundle_dir, "container.pid"), 64);
        if (pid_text) t.container_pid = static_cast<pid_t>(std::atoi(pid_text->c_str()));
      }
      notices_.push_back("adopted running task " + rec.spec.id + " (pid " + std::to_string(rec.pid) + ")");
      auto [it, inserted] = tasks_.emplace(rec.spec.id, std::move(t));
      set_state(it->second, rec.state == TaskState::kHealthy ? TaskState::kHealthy : TaskState::kRunning, now_ms);
      continue;
    }
    notices_.push_back("task " + rec.spec.id + " exited while the agent was down");
    auto [it, inserted] = tasks_.emplace(rec.spec.id, std::move(t));
    Task& dead = it->second;
    dead.status.exit = ExitInfo{0, 0, false, false};
    cleanup_cgroup(dead);
    (void)store_.remove(dead.spec.id);
    set_state(dead, TaskState::kFailed, now_ms, "exited while the agent was not running");
  }
}

void Runtime::remove_orphan_cgroups() {
  std::vector<std::string> seen;
  for (const auto& h : layout_.all_hierarchies) {
    auto names = list_subdirs(join_path(h, config_.cgroup_parent));
    if (!names) continue;
    for (auto& n : *names)
      if (!tasks_.contains(n) && std::find(seen.begin(), seen.end(), n) == seen.end()) seen.push_back(n);
  }
  for (const auto& name : seen) {
    TaskCgroup cg = TaskCgroup::attach(layout_, config_.cgroup_parent, name);
    int killed = cg.kill_all();
    notices_.push_back("orphan cgroup " + name + ": killed " + std::to_string(killed) + " processes");
    if (!cg.remove()) dead_cgroups_.push_back(cg);
    remove_foreign_cgroups(name);
  }
}

Status Runtime::start(const TaskSpec& spec, std::int64_t now_ms) {
  if (auto s = validate(spec); !s) return s;
  if (spec.driver == DriverKind::kOci && oci_runtime_.empty())
    return make_error("task " + spec.id + ": oci driver unavailable: " + oci_error_);
  if (spec.driver == DriverKind::kOci && !isolation_)
    return make_error("task " + spec.id + ": the oci driver needs root");
  auto existing = tasks_.find(spec.id);
  if (existing != tasks_.end()) {
    const Task& old = existing->second;
    if (old.live() || old.restart_at_ms != kNever)
      return make_error("task " + spec.id + " is already running; stop it first");
    if (old.cgroup_busy) return make_error("task " + spec.id + ": its old cgroup is still being removed");
    tasks_.erase(existing);
  }
  if (tasks_.size() >= config_.max_tasks)
    return make_error("too many tasks on this node (max " + std::to_string(config_.max_tasks) + ")");
  auto [it, inserted] = tasks_.emplace(spec.id, Task(spec));
  Task& t = it->second;
  if (auto s = launch(t, now_ms); !s) {
    tasks_.erase(it);
    return s;
  }
  return {};
}

Status Runtime::launch(Task& t, std::int64_t now_ms) {
  const std::string log_dir = t.spec.log_dir.empty() ? config_.log_dir : t.spec.log_dir;
  if (auto s = make_dirs(log_dir, 0755); !s) return s;
  t.logs = {join_path(log_dir, t.spec.id + ".stdout.log"), join_path(log_dir, t.spec.id + ".stderr.log")};
  t.stop_requested = t.unhealthy = t.sigkilled = false;
  t.kill_at_ms = t.hard_kill_at_ms = t.restart_at_ms = kNever;
  t.health.reset();
  t.container_pid = 0;
  t.status.exit.reset();
  t.status.error.clear();
  t.status.finished = false;
  // The record is durable before the process exists: a task the agent cannot record is one a
  // restarted agent could not adopt (it would kill it as an orphan, or lose track of it without
  // cgroups), so it is not started and the write error is the start error (`service ps`).
  // This first record has no pid yet; an agent that dies before the second write finds the
  // task not alive and reports it failed, and the reconciler starts it again.
  if (auto s = save_record(t, "before start"); !s) return s;
  Status s = t.is_oci() ? launch_oci(t) : launch_process(t);
  if (!s) {
    (void)store_.remove(t.spec.id);
    return s;
  }
  // The pid and start time are known only now. If this write fails (the disk filled up in
  // between), the process is killed rather than left running without a usable record.
  if (auto rec = save_record(t, "after start"); !rec) {
    abort_unrecorded(t);
    return rec;
  }
  t.restart.on_start(now_ms);
  ++counters_.starts;
  t.status.pid = t.pid;
  set_state(t, TaskState::kStarting, now_ms);
  if (!t.is_oci()) {
    // exec succeeded (spawn waited for it): the task is running.
    set_state(t, TaskState::kRunning, now_ms);
    if (t.spec.health.kind == HealthCheckSpec::Kind::kNone) {
      set_state(t, TaskState::kHealthy, now_ms);
    } else {
      t.health.emplace(t.spec.health, now_ms);
    }
  }
  persist(t);
  return {};
}

Status Runtime::launch_process(Task& t) {
  ProcessLaunch launch;
  launch.stdout_path = t.logs.stdout_path;
  launch.stderr_path = t.logs.stderr_path;
  launch.namespaces = isolation_;
  launch.default_working_dir = "/";
  if (isolation_) {
    CgroupLimits limits{t.spec.cpu_millis, t.spec.memory_bytes, t.spec.pids_max};
    auto cg = TaskCgroup::create(layout_, config_.cgroup_parent, t.spec.id, limits);
    if (!cg) return make_error("task " + t.spec.id + ": " + cg.message());
    t.cgroup = std::move(*cg);
    t.oom_baseline = t.cgroup->oom_kills();
      launch.cgroup_procs_files = t.cgroup->procs_files();
  }
  auto spawned = spawn_process(with_log_pump(process_spawn_request(t.spec, launch), config_));
  if (!spawned) {
    if (t.cgroup) (void)t.cgroup->remove();
    t.cgroup.reset();
    return make_error("task " + t.spec.id + ": " + spawned.message());
  }
  t.pid = spawned->pid;
  t.start_time = spawned->start_time;
  t.our_child = true;
  if (spawned->log_pump_pid > 0) helpers_.push_back(spawned->log_pump_pid);
  return {};
}

Status Runtime::launch_oci(Task& t) {
  // The limits go on a cgroup of ours, with runc's container cgroup nested inside it: runc
  // deletes its cgroup the moment the container exits, taking the OOM-kill counter with it;
  // ours survives until on_exited() has read it. (v1 does not propagate OOM events upward, but
  // the OOM happens at our level, where the limit is.)
  CgroupLimits limits{t.spec.cpu_millis, t.spec.memory_bytes, t.spec.pids_max};
  auto cg = TaskCgroup::create(layout_, config_.cgroup_parent, t.spec.id, limits);
  if (!cg) return make_error("task " + t.spec.id + ": " + cg.message());
  t.cgroup = std::move(*cg);
  t.oom_baseline = t.cgroup->oom_kills();
  TaskSpec unlimited = t.spec;
  unlimited.cpu_millis = unlimited.memory_bytes = unlimited.pids_max = 0;
  t.bundle_dir = join_path(bundles_dir(config_), t.spec.id);
  const std::string cgroups_path = oci_cgroups_path(config_.cgroup_parent, t.spec.id) + "/container";
  if (auto s = write_oci_bundle(unlimited, t.bundle_dir, cgroups_path); !s) {
    cleanup_cgroup(t);
    return make_error("task " + t.spec.id + ": " + s.message());
  }
  OciLaunch launch{oci_runtime_, runc_root(config_), t.bundle_dir, join_path(t.bundle_dir, "container.pid"),
                   t.logs.stdout_path, t.logs.stderr_path};
  ::unlink(launch.pid_file.c_str());
  auto spawned = spawn_process(with_log_pump(oci_spawn_request(t.spec, launch), config_));
  if (!spawned) {
    cleanup_cgroup(t);
    return make_error("task " + t.spec.id + ": " + spawned.message());
  }
  t.pid = spawned->pid;
  t.start_time = spawned->start_time;
  t.our_child = true;
  if (spawned->log_pump_pid > 0) helpers_.push_back(spawned->log_pump_pid);
  return {};
}

Status Runtime::stop(std::string_view id, std::int64_t grace_ms, std::int64_t now_ms) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return make_error("no task " + std::string(id) + " on this node");
  Task& t = it->second;
  if (grace_ms < 0) grace_ms = config_.default_stop_grace_ms;
  if (!t.live()) {
    if (t.restart_at_ms != kNever) {
      t.restart_at_ms = kNever;
      set_state(t, TaskState::kShutdown, now_ms, t.status.error);
    }
    return {};
  }
  t.stop_requested = true;
  begin_stop(t, grace_ms, now_ms);
  return {};
}

void Runtime::stop_all(std::int64_t grace_ms, std::int64_t now_ms) {
  for (auto& [id, t] : tasks_) (void)stop(id, grace_ms, now_ms);
}

void Runtime::begin_stop(Task& t, std::int64_t grace_ms, std::int64_t now_ms) {
  const std::int64_t deadline = now_ms + std::max<std::int64_t>(0, grace_ms);
  if (deadline >= t.kill_at_ms) return;  // already stopping, with an earlier deadline
  if (t.kill_at_ms == kNever) signal_task(t, SIGTERM);
  t.kill_at_ms = deadline;
  if (grace_ms <= 0) escalate(t, now_ms);
}

void Runtime::signal_task(const Task& t, int sig) const {
  if (!t.live()) return;
  if (!t.our_child && !process_alive(t.pid, t.start_time)) return;  // never signal a recycled pid
  // The init shim (namespaces) and runc forward signals; a plain child leads its own process
  // group (setsid in spawn), so the whole group gets it.
  if (isolation_) {
    ::kill(t.pid, sig);
  } else if (::kill(-t.pid, sig) != 0) {
    ::kill(t.pid, sig);
  }
}

void Runtime::escalate(Task& t, std::int64_t now_ms) {
  t.kill_at_ms = kNever;
  t.sigkilled = true;
  if (t.cgroup) t.cgroup->kill_all();
  if (t.is_oci()) {
    // runc must outlive its container to delete it; it gets SIGKILL only if it hangs.
    if (t.container_pid > 0) ::kill(t.container_pid, SIGKILL);
    t.hard_kill_at_ms = now_ms + config_.kill_escalation_ms;
  } else {
    signal_task(t, SIGKILL);
  }
}

std::vector<TaskStatus> Runtime::poll(std::int64_t now_ms) {
  last_poll_ms_ = now_ms;
  rotated_last_poll_ = false;
  reap_helpers();
  for (auto it = dead_cgroups_.begin(); it != dead_cgroups_.end();) {
    it->kill_all();
    it = it->remove() ? dead_cgroups_.erase(it) : std::next(it);
  }
  for (auto& [id, t] : tasks_) step(t, now_ms);
  return std::exchange(changes_, {});
}

void Runtime::step(Task& t, std::int64_t now_ms) {
  if (t.live()) {
    if (auto exit = check_exit(t)) {
      on_exited(t, *exit, now_ms);
    } else {
      if (t.status.state == TaskState::kStarting) check_oci_started(t, now_ms);
      if (t.status.state == TaskState::kRunning || t.status.state == TaskState::kHealthy) step_health(t, now_ms);
      rotate_logs(t);
      if (now_ms >= t.kill_at_ms) escalate(t, now_ms);
      if (now_ms >= t.hard_kill_at_ms) {
        t.hard_kill_at_ms = kNever;
        signal_task(t, SIGKILL);
      }
    }
  }
  if (t.cgroup_busy) cleanup_cgroup(t);
  if (!t.live() && now_ms >= t.restart_at_ms) {
    t.restart_at_ms = kNever;
    ++t.status.restarts;
    ++counters_.restarts;
    if (auto s = launch(t, now_ms); !s) set_state(t, TaskState::kFailed, now_ms, "restart failed: " + s.message());
  }
}

bool Runtime::was_oom_killed(const Task& t, const ExitInfo& exit) const {
  if (!t.cgroup) return false;
  if (t.cgroup->oom_kills() > t.oom_baseline) return true;
  // An oci container's OOM kill is counted in runc's nested cgroup, gone by now: a SIGKILL we
  // did not send, after charges failed at our memory limit, is that OOM kill.
  const bool sigkill = exit.signal == SIGKILL || !exit.known;
  return sigkill && !t.sigkilled && t.cgroup->memory_limit_reached();
}

std::optional<ExitInfo> Runtime::check_exit(Task& t) {
  if (!t.our_child) {
    if (process_alive(t.pid, t.start_time)) return std::nullopt;
    ExitInfo e{0, 0, false, false};
    e.oom_killed = was_oom_killed(t, e);
    return e;
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(t.pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  if (r < 0) return ExitInfo{0, 0, false, false};  // ECHILD: someone else reaped it
  ExitInfo e = decode_wait_status(status, isolation_ || t.is_oci());
  e.oom_killed = was_oom_killed(t, e);
  return e;
}

void Runtime::on_exited(Task& t, ExitInfo exit, std::int64_t now_ms) {
  kill_probe(t);
  // The top process is gone, but a plain child may have left daemons behind: kill the rest.
  if (t.cgroup) t.cgroup->kill_all();
  if (!isolation_ && t.pid > 0) ::kill(-t.pid, SIGKILL);
  t.pid = 0;
  t.status.pid = 0;
  t.container_pid = 0;
  t.kill_at_ms = t.hard_kill_at_ms = kNever;
  t.status.exit = exit;
  if (exit.oom_killed) ++counters_.oom_kills;
  cleanup_cgroup(t);
  if (t.is_oci() && path_exists(join_path(runc_root(config_), t.spec.id))) {
    // runc was killed before it could delete the container: let it clean up now.
    OciLaunch launch{oci_runtime_, runc_root(config_), t.bundle_dir, "", "", ""};
    if (auto p = spawn_process(oci_delete_request(t.spec.id, launch))) helpers_.push_back(p->pid);
  }
  (void)store_.remove(t.spec.id);

  if (t.stop_requested) {
    set_state(t, TaskState::kShutdown, now_ms);
    return;
  }
  const RestartDecision d = t.restart.on_exit(now_ms, ExitEvent{exit, t.unhealthy, false});
  std::string error = t.unhealthy ? "health check failed " + std::to_string(t.spec.health.retries) + " times"
                                  : describe_exit(exit);
  const bool failed = t.unhealthy || !exit.success();
  if (d.kind == RestartDecision::Kind::kRestart) t.restart_at_ms = d.restart_at_ms;
  t.status.finished = d.kind != RestartDecision::Kind::kRestart;
  if (d.kind != RestartDecision::Kind::kStayDown || failed) error += "; " + d.reason;
  set_state(t, failed ? TaskState::kFailed : TaskState::kShutdown, now_ms, failed ? error : "completed (exit 0); " + d.reason);
}

void Runtime::check_oci_started(Task& t, std::int64_t now_ms) {
  auto text = read_file(join_path(t.bundle_dir, "container.pid"), 64);
  if (!text || text->empty()) return;
  t.container_pid = static_cast<pid_t>(std::atoi(text->c_str()));
  if (t.container_pid <= 0) return;
  set_state(t, TaskState::kRunning, now_ms);
  if (t.spec.health.kind == HealthCheckSpec::Kind::kNone) {
    set_state(t, TaskState::kHealthy, now_ms);
  } else {
    t.health.emplace(t.spec.health, now_ms);
  }
  persist(t);
}

void Runtime::step_health(Task& t, std::int64_t now_ms) {
  if (!t.health || t.stop_requested || t.unhealthy) return;
  if (t.probe_pid > 0) {
    int status = 0;
    pid_t r = ::waitpid(t.probe_pid, &status, WNOHANG);
    if (r != 0) {
      t.probe_pid = 0;
      t.health->on_probe_result(now_ms, r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }
  // Bounded: at most a result, a timeout and a new probe per poll.
  for (int i = 0; i < 3; ++i) {
    HealthStep step = t.health->poll(now_ms);
    if (step.action == HealthStep::Action::kNone) break;
    if (step.action == HealthStep::Action::kAbandonProbe) {
      kill_probe(t);
      continue;
    }
    SpawnRequest req;
    if (t.is_oci()) {
      OciLaunch launch{oci_runtime_, runc_root(config_), t.bundle_dir, "", "", ""};
      req = oci_probe_request(t.spec, launch, t.container_pid);
    } else {
      req = process_probe_request(t.spec, t.pid, isolation_);
    }
    auto probe = spawn_process(req);
    if (probe) {
      t.probe_pid = probe->pid;
      break;
    }
    t.health->on_probe_result(now_ms, false);  // a probe we cannot start is a failed probe
  }
  const Health h = t.health->health();
  if (h == Health::kHealthy && t.status.state == TaskState::kRunning) {
    set_state(t, TaskState::kHealthy, now_ms);
    persist(t);
  } else if (h == Health::kUnhealthy) {
    t.unhealthy = true;
    ++counters_.health_check_failures;
    begin_stop(t, config_.default_stop_grace_ms, now_ms);
  }
}

void Runtime::rotate_logs(Task& t) {
  for (auto [path, rotator] : {std::pair{&t.logs.stdout_path, &t.stdout_rotator}, std::pair{&t.logs.stderr_path, &t.stderr_rotator}}) {
    if (path->empty()) continue;
    auto rotated = rotator->rotate_if_needed(*path, config_.log_limits);
    if (rotated && *rotated) rotated_last_poll_ = true;
    // Said once per task (it is retried every poll; a full disk would flood the notices).
    if (!rotated && !t.log_rotation_failed) {
      t.log_rotation_failed = true;
      notices_.push_back("task " + t.spec.id + ": " + rotated.message());
    }
  }
}

void Runtime::kill_probe(Task& t) {
  if (t.probe_pid <= 0) return;
  ::kill(t.probe_pid, SIGKILL);
  helpers_.push_back(t.probe_pid);
  t.probe_pid = 0;
}

void Runtime::reap_helpers() {
  std::erase_if(helpers_, [](pid_t p) {
    int status;
    pid_t r = ::waitpid(p, &status, WNOHANG);
    return r != 0;  // reaped, or not ours any more
  });
}

// An OCI runtime creates <parent>/<id>/container in every v1 hierarchy (blkio, devices, ...)
// and removes only the leaf; the empty <parent>/<id> dirs it leaves are ours to remove.
void Runtime::remove_foreign_cgroups(const std::string& id) {
  for (const auto& h : layout_.all_hierarchies) {
    const std::string dir = join_path(join_path(h, config_.cgroup_parent), id);
    ::rmdir(join_path(dir, "container").c_str());
    ::rmdir(dir.c_str());
  }
}

void Runtime::cleanup_cgroup(Task& t) {
  t.cgroup_busy = false;
  if (!t.cgroup) return;
  if (t.is_oci()) remove_foreign_cgroups(t.spec.id);
  if (t.cgroup->remove()) {
    t.cgroup.reset();
    return;
  }
  // Members can linger a moment after SIGKILL (exit in progress): try again next poll.
  t.cgroup->kill_all();
  t.cgroup_busy = true;
}

void Runtime::set_state(Task& t, TaskState state, std::int64_t now_ms, std::string error) {
  t.status.state = state;
  t.status.since_ms = now_ms;
  t.status.error = std::move(error);
  changes_.push_back(t.status);
}

TaskRecord Runtime::record_of(const Task& t) const {
  TaskRecord r;
  r.spec = t.spec;
  r.pid = t.pid;
  r.start_time = t.start_time;
  r.cgroup_parent = config_.cgroup_parent;
  r.stdout_path = t.logs.stdout_path;
  r.stderr_path = t.logs.stderr_path;
  r.bundle_dir = t.bundle_dir;
  r.state = t.status.state == TaskState::kHealthy ? TaskState::kHealthy : TaskState::kRunning;
  r.restarts = t.status.restarts;
  return r;
}

// Later writes (a state change of a running task) only refresh what adoption already has.
void Runtime::persist(const Task& t) {
  if (!t.live()) return;
  if (auto s = store_.save(record_of(t)); !s) notices_.push_back("cannot record task " + t.spec.id + ": " + s.message());
}

Status Runtime::save_record(const Task& t, const char* when) {
  if (auto s = store_.save(record_of(t)); !s)
    return make_error("task " + t.spec.id + " not started: cannot write its record " + when +
                      " (an agent restart could not adopt it; free space in " + store_.dir() + "): " + s.message());
  return {};
}

// The process started but its record could not be completed: kill it and everything it
// spawned now, while we still know its pid; the exit is reaped in poll() like a probe's.
void Runtime::abort_unrecorded(Task& t) {
  if (t.cgroup) t.cgroup->kill_all();
  signal_task(t, SIGKILL);
  if (t.our_child) helpers_.push_back(t.pid);
  t.pid = 0;
  t.start_time = 0;
  if (t.cgroup) {
    if (t.is_oci()) remove_foreign_cgroups(t.spec.id);
    if (!t.cgroup->remove()) dead_cgroups_.push_back(*t.cgroup);  // members still exiting
    t.cgroup.reset();
  }
  (void)store_.remove(t.spec.id);
}

std::int64_t Runtime::next_deadline_ms() const {
  std::int64_t next = kNever;
  bool any_live = false;
  for (const auto& [id, t] : tasks_) {
    next = std::min({next, t.kill_at_ms, t.hard_kill_at_ms, t.restart_at_ms});
    if (t.live() && t.health && !t.stop_requested && !t.unhealthy) next = std::min(next, t.health->next_deadline_ms());
    any_live = any_live || t.live() || t.cgroup_busy;
  }
  if (any_live || !helpers_.empty() || !dead_cgroups_.empty())
    next = std::min(next, last_poll_ms_ + (rotated_last_poll_ ? config_.log_check_fast_ms : config_.liveness_check_ms));
  return next;
}

std::vector<TaskStatus> Runtime::list() const {
  std::vector<TaskStatus> out;
  out.reserve(tasks_.size());
  for (const auto& [id, t] : tasks_) out.push_back(t.status);
  return out;
}

std::optional<TaskStatus> Runtime::status(std::string_view id) const {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second.status;
}

std::optional<TaskSpec> Runtime::spec(std::string_view id) const {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second.spec;
}

Result<LogPaths> Runtime::logs(std::string_view id) const {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return make_error("no task " + std::string(id) + " on this node");
  return it->second.logs;
}

Status Runtime::forget(std::string_view id, bool delete_logs) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return {};
  Task& t = it->second;
  if (t.live()) return make_error("task " + std::string(id) + " is still running; stop it first");
  if (t.cgroup_busy) cleanup_cgroup(t);
  if (t.cgroup_busy) return make_error("task " + std::string(id) + ": its cgroup is not empty yet");
  if (!t.bundle_dir.empty()) {
    ::unlink(join_path(t.bundle_dir, "config.json").c_str());
    ::unlink(join_path(t.bundle_dir, "container.pid").c_str());
    ::rmdir(t.bundle_dir.c_str());
  }
  if (delete_logs) {
    ::unlink(t.logs.stdout_path.c_str());
    ::unlink(t.logs.stderr_path.c_str());
  }
  (void)store_.remove(t.spec.id);
  tasks_.erase(it);
  return {};
}

}  // namespace shoal::runtime
