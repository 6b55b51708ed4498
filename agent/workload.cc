// The agent's workload loop: compute the assignment, reconcile (agent/reconcile.h), drive the
// runtime, and write task status back into the desired state. Level-triggered: it runs on any
// change (members, state, task exits) and every reconcile_interval as a safety net.
#include <algorithm>
#include <cstdio>

#include "agent/agent_defaults.h"
#include "agent/agent_impl.h"
#include "agent/service_notify.h"
#include "common/log.h"
#include "placement/place.h"

namespace shoal {

namespace {

using namespace agent_defaults;

// The runtime's timers (restart delay, health intervals, stop grace) run on monotonic time.
std::int64_t runtime_ms(const Now& now) { return static_cast<std::int64_t>(now.mono_ms); }

// A runtime timestamp (monotonic) as the wall time task status carries: other nodes compare it
// with their own wall clock (rolling-update monitor windows).
std::uint64_t wall_of(const Now& now, std::int64_t mono_ms) {
  const std::uint64_t ago = now.mono_ms > static_cast<std::uint64_t>(mono_ms) ? now.mono_ms - mono_ms : 0;
  return now.wall_ms > ago ? now.wall_ms - ago : 0;
}

runtime::RestartPolicySpec::Condition to_runtime(crdt::RestartCondition c) {
  switch (c) {
    case crdt::RestartCondition::kNone: return runtime::RestartPolicySpec::Condition::kNone;
    case crdt::RestartCondition::kOnFailure: return runtime::RestartPolicySpec::Condition::kOnFailure;
    case crdt::RestartCondition::kAny: break;
  }
  return runtime::RestartPolicySpec::Condition::kAny;
}

}  // namespace

Status Agent::open_runtime() {
  runtime::RuntimeConfig rc;
  rc.state_dir = config_.data_dir + "/runtime";
  rc.log_dir = config_.data_dir + "/logs";
  rc.require_isolation = config_.require_isolation;
  rc.log_limits = config_.log_limits;
  // Task output goes through this binary's `log-pump` (runtime/log_pump.h): per-line times.
  rc.log_pump = "/proc/self/exe";
  // One subtree per agent on a host: the runtime kills whatever under it no record explains, so
  // two agents (or two clusters' "n1") must never share one. The data dir tells them apart.
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(stable_hash(config_.data_dir)));
  rc.cgroup_parent = "shoal-" + config_.name + "-" + suffix;
  auto rt = runtime::Runtime::open(rc, runtime_ms(now()));
  if (!rt) return make_error("runtime: " + rt.message());
  runtime_ = std::move(*rt);
  for (const auto& notice : runtime_->notices()) log_info("runtime: " + notice);
  return {};
}

const crdt::ServiceSpec& Agent::spec_for_version(const crdt::Service& svc, std::uint64_t version) {
  return (version + 1 == svc.version && svc.previous_spec) ? *svc.previous_spec : svc.spec;
}

runtime::TaskSpec Agent::build_task_spec(const crdt::Service& svc, std::uint32_t slot, std::uint64_t version) const {
  const crdt::ServiceSpec& spec = spec_for_version(svc, version);
  runtime::TaskSpec t;
  t.id = task_id(svc.name, slot, version);
  t.service = svc.name;
  t.slot = slot;
  t.driver = spec.task.driver == crdt::Driver::kOci ? runtime::DriverKind::kOci : runtime::DriverKind::kProcess;
  t.command.push_back(spec.task.command);
  t.command.insert(t.command.end(), spec.task.args.begin(), spec.task.args.end());
  for (const auto& [k, v] : spec.task.env) t.env.push_back(k + "=" + v);
  t.env.push_back("SHOAL_SERVICE=" + svc.name);
  t.env.push_back("SHOAL_TASK_SLOT=" + std::to_string(slot));
  t.env.push_back("SHOAL_NODE=" + config_.name);
  t.rootfs = spec.task.rootfs;
  t.cpu_millis = static_cast<std::int64_t>(spec.reservations.cpu_millis);
  t.memory_bytes = static_cast<std::int64_t>(spec.reservations.memory_bytes);
  if (!spec.health.command.empty()) {
    t.health.kind = runtime::HealthCheckSpec::Kind::kExec;
    t.health.command = {"/bin/sh", "-c", spec.health.command};
    t.health.interval_ms = static_cast<std::int64_t>(spec.health.interval_ms);
    t.health.timeout_ms = static_cast<std::int64_t>(spec.health.timeout_ms);
    t.health.retries = spec.health.retries;
    t.health.start_period_ms = static_cast<std::int64_t>(spec.health.start_period_ms);
  }
  t.restart.condition = to_runtime(spec.restart.condition);
  t.restart.delay_ms = static_cast<std::int64_t>(spec.restart.delay_ms);
  // The backoff cap must not be below the delay asked for (the runtime refuses such a spec).
  t.restart.max_delay_ms = std::max(t.restart.max_delay_ms, t.restart.delay_ms);
  t.restart.max_attempts = spec.restart.max_attempts;
  t.restart.window_ms = static_cast<std::int64_t>(spec.restart.window_ms);
  return t;
}

std::vector<LocalTask> Agent::local_tasks() const {
  std::vector<LocalTask> local;
  for (const auto& st : runtime_->list()) {
    auto spec = runtime_->spec(st.id);
    auto version = task_version(st.id);
    if (!spec || !version) continue;
    // reconcile() starts a slot whose task is shut down (a stop it asked for). A task the
    // restart policy keeps down is finished instead: report it like a failed one, which
    // reconcile leaves to the restart policy, so `none` and `on-failure` are not relaunched.
    const auto state = st.finished ? runtime::TaskState::kFailed : st.state;
    local.push_back({st.id, spec->service, spec->slot, *version, state});
  }
  return local;
}

placement::Assignment Agent::current_assignment() const {
  return core_->assignment(now(), swim_->members());
}

void Agent::act_on(const node::ReconcileDecision& d, node::NodeInput& next) {
  if (!runtime_ || stopping()) return;
  const std::int64_t now_ms = runtime_ms(now());
  auto changes = runtime_->poll(now_ms);
  if (!changes.empty()) report_task_changes(changes, next);
  if (!d.settled) {  // tasks that outlived the agent keep running; only changes wait
    arm_runtime_timer(now_ms);
    return;
  }
  const crdt::DesiredState& state = core_->state();
  for (const auto& id : d.actions.stop) (void)runtime_->stop(id, -1, runtime_ms(now()));
  const std::uint64_t round_started_ms = now().mono_ms;
  auto start_failed = [&](const StartTask& s, const std::string& error) {
    next.task_reports.push_back(
        {crdt::TaskStatus{s.service, s.slot, s.version, TaskState::kFailed, error, "", now().wall_ms}, true});
  };
  for (const auto& s : d.actions.start) {
    if (now().mono_ms - round_started_ms >= kStartBudgetMs) {
      next.reconcile_soon = true;  // the rest next round, once the event loop had its turn
      break;
    }
    const crdt::Service* svc = state.service(s.service);
    if (!svc) continue;
    runtime::TaskSpec spec = build_task_spec(*svc, s.slot, s.version);
    if (const auto& wanted = spec_for_version(*svc, s.version); !wanted.task.image.empty()) {
      auto prep = prepare_image_task(wanted, spec);
      if (prep.kind == ImagePreparation::kFailed) {
        start_failed(s, prep.reason);
        continue;
      }
      if (prep.kind == ImagePreparation::kWaiting) {
        // Reported like a start failure: once per distinct reason, not every round.
        next.task_reports.push_back({crdt::TaskStatus{s.service, s.slot, s.version, TaskState::kPreparing,
                                                      prep.reason, "", now().wall_ms},
                                     true});
        continue;
      }
    }
    if (dataplane_) {
      if (!dataplane_->ready()) break;  // no subnet yet: the next round (it comes with membership)
      auto net = dataplane_->attach_task(spec.id);
      if (!net) {
        start_failed(s, net.message());
        continue;
      }
      spec.network_namespace = net->netns_path;
      spec.resolv_conf = net->resolv_conf;
    }
    if (auto st = runtime_->start(spec, runtime_ms(now())); !st) {
      if (dataplane_) dataplane_->release_task(spec.id);
      release_task_rootfs(spec.id);
      start_failed(s, st.message());
    }
  }
  for (const auto& id : d.actions.forget) forget_task(id, next);
  arm_runtime_timer(runtime_ms(now()));  // the starts brought new runtime deadlines
}

void Agent::forget_task(const std::string& id, node::NodeInput& next) {
  auto spec = runtime_->spec(id);
  if (!spec) return;
  auto version = task_version(id);
  if (!runtime_->forget(id, true)) return;  // still stopping: next round
  if (dataplane_) dataplane_->release_task(id);
  release_task_rootfs(id);
  if (version) next.forgotten.push_back({crdt::TaskKey{spec->service, spec->slot}, *version});
}

void Agent::poll_runtime() {
  if (!runtime_) return;
  const std::int64_t now_ms = runtime_ms(now());
  auto changes = runtime_->poll(now_ms);
  if (!changes.empty()) {
    node::NodeInput in;
    report_task_changes(changes, in);
    drive(std::move(in));
  }
  arm_runtime_timer(now_ms);
}

void Agent::arm_runtime_timer(std::int64_t now_ms) {
  std::int64_t next = runtime_->next_deadline_ms();
  if (next == runtime::kNever) return;
  runtime_timer_.expires_after(std::chrono::milliseconds(next > now_ms ? next - now_ms : 0));
  runtime_timer_.async_wait([this](boost::system::error_code ec) { if (!ec) poll_runtime(); });
}

void Agent::report_task_changes(const std::vector<runtime::TaskStatus>& changes, node::NodeInput& next) {
  for (const auto& ch : changes) {
    auto spec = runtime_->spec(ch.id);
    auto task_ver = task_version(ch.id);
    if (!spec || !task_ver) continue;
    std::string address = dataplane_ ? dataplane_->address_of(ch.id) : std::string();
    next.task_reports.push_back({crdt::TaskStatus{spec->service, spec->slot, *task_ver, ch.state, ch.error, address,
                                                  wall_of(now(), ch.since_ms)},
                                 false});
  }
  next.reconcile_soon = true;  // a task changed: reconcile (level-triggered)
}

void Agent::watch_children() {
  sigchld_.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    poll_runtime();
    watch_children();
  });
}

// Graceful stop: every task stops (nothing left behind), then the node leaves.
void Agent::stop_workload_then_leave() {
  notify_service_manager("STOPPING=1");
  if (!runtime_) return begin_leave();
  stop_started_ms_ = now().mono_ms;
  runtime_->stop_all(-1, runtime_ms(now()));
  wait_for_tasks_then_leave();
}

void Agent::wait_for_tasks_then_leave() {
  poll_runtime();
  bool all_done = true;
  for (const auto& st : runtime_->list())
    if (!runtime::is_terminal(st.state)) all_done = false;
  if (all_done || now().mono_ms - stop_started_ms_ > kStopTasksMaxWaitMs) {
    for (const auto& st : runtime_->list()) {
      (void)runtime_->forget(st.id, false);
      if (dataplane_) dataplane_->release_task(st.id);
      release_task_rootfs(st.id);
    }
    if (dataplane_) dataplane_->shutdown();
    return begin_leave();
  }
  leave_timer_.expires_after(std::chrono::milliseconds(50));
  leave_timer_.async_wait([this](boost::system::error_code ec) { if (!ec) wait_for_tasks_then_leave(); });
}

}  // namespace shoal
