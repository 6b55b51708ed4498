// The agent's workload loop: compute the assignment, reconcile (agent/reconcile.h), drive the
// runtime, and write task status back into the desired state. Level-triggered: it runs on any
// change (members, state, task exits) and every reconcile_interval as a safety net.
#include <algorithm>
#include <cstdio>

#include "agent/agent_defaults.h"
#include "agent/agent_impl.h"
#include "agent/cluster_view.h"
#include "agent/reconcile.h"
#include "placement/place.h"

namespace shoal {

namespace {

using namespace agent_defaults;

std::int64_t wall_now() { return static_cast<std::int64_t>(membership::Transport::wall_ms()); }

crdt::TaskState to_crdt(runtime::TaskState s) {
  switch (s) {
    case runtime::TaskState::kAssigned: return crdt::TaskState::kAssigned;
    case runtime::TaskState::kStarting: return crdt::TaskState::kStarting;
    case runtime::TaskState::kRunning: return crdt::TaskState::kRunning;
    case runtime::TaskState::kHealthy: return crdt::TaskState::kHealthy;
    case runtime::TaskState::kFailed: return crdt::TaskState::kFailed;
    case runtime::TaskState::kShutdown: return crdt::TaskState::kShutdown;
  }
  return crdt::TaskState::kAssigned;
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
  // One subtree per agent on a host: the runtime kills whatever under it no record explains, so
  // two agents (or two clusters' "n1") must never share one. The data dir tells them apart.
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(stable_hash(config_.data_dir)));
  rc.cgroup_parent = "shoal-" + config_.name + "-" + suffix;
  auto rt = runtime::Runtime::open(rc, wall_now());
  if (!rt) return make_error("runtime: " + rt.message());
  runtime_ = std::move(*rt);
  for (const auto& notice : runtime_->notices()) log_line("runtime: " + notice);
  return {};
}

runtime::TaskSpec Agent::build_task_spec(const crdt::Service& svc, std::uint32_t slot, std::uint64_t version) const {
  // The version a slot runs is the current spec's, or the one before it mid-update.
  const crdt::ServiceSpec& spec =
      (version + 1 == svc.version && svc.previous_spec) ? *svc.previous_spec : svc.spec;
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
  return t;
}

void Agent::on_state_changed() {
  if (reconcile_posted_ || stopping() || !runtime_) return;
  reconcile_posted_ = true;
  reconcile_timer_.expires_after(std::chrono::milliseconds(kReconcileCoalesceMs));
  reconcile_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    reconcile_posted_ = false;
    reconcile_now();
  });
}

void Agent::schedule_periodic_reconcile() {
  periodic_timer_.expires_after(std::chrono::milliseconds(kReconcileIntervalMs));
  periodic_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping()) return;
    reconcile_now();
    schedule_periodic_reconcile();
  });
}

placement::Assignment Agent::current_assignment() const {
  auto a = placement::place(placement_input(swim_->members(), replica_.state()));
  return a ? std::move(*a) : placement::Assignment{};
}

bool Agent::expects_peers() const {
  if (!config_.joins.empty()) return true;
  for (const auto& [runner, task] : replica_.state().all_tasks())
    if (runner.name != config_.name) return true;
  return false;
}

bool Agent::settled() {
  if (!settle_ || settle_->is_settled()) return true;
  const std::size_t alive = swim_->num_alive();
  if (!settle_->settled(membership::Transport::mono_ms(), alive > 0 ? alive - 1 : 0)) return false;
  if (settle_->why() == SettleGate::Why::kSynced)
    log_line("in step with the cluster (" + std::to_string(alive) + " members alive): placing tasks");
  if (settle_->why() == SettleGate::Why::kTimedOut)
    log_line("no peer synced within " + std::to_string(kSettleTimeoutMs / 1000) +
             " s: placing tasks on what this node knows");
  return true;
}

void Agent::reconcile_now() {
  if (!runtime_ || stopping()) return;
  refresh_network();
  if (!settled()) {  // tasks that outlived the agent keep running; only changes wait
    poll_runtime();
    return;
  }
  const crdt::DesiredState& state = replica_.state();
  placement::Assignment assignment = current_assignment();
  auto plans = plan_services(assignment, state, membership::Transport::wall_ms());
  std::map<std::string, ServiceOrder> orders;
  for (const crdt::Service* svc : state.all_services())
    orders[svc->name].start_first = svc->spec.update.order == crdt::UpdateOrder::kStartFirst;
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
  ReconcileActions actions = reconcile(NodeId{config_.name}, assignment, plans, orders, local);
  std::int64_t now = wall_now();
  for (const auto& id : actions.stop) (void)runtime_->stop(id, -1, now);
  const std::uint64_t round_started_ms = membership::Transport::mono_ms();
  bool starts_left = false;
  for (const auto& s : actions.start) {
    if (membership::Transport::mono_ms() - round_started_ms >= kStartBudgetMs) {
      starts_left = true;
      break;
    }
    const crdt::Service* svc = state.service(s.service);
    if (!svc) continue;
    runtime::TaskSpec spec = build_task_spec(*svc, s.slot, s.version);
    if (dataplane_) {
      if (!dataplane_->ready()) break;  // no subnet yet: the next round (it comes with membership)
      auto net = dataplane_->attach_task(spec.id);
      if (!net) {
        report_start_failure(s, net.message());
        continue;
      }
      spec.network_namespace = net->netns_path;
      spec.resolv_conf = net->resolv_conf;
    }
    if (auto st = runtime_->start(spec, wall_now()); !st) {
      if (dataplane_) dataplane_->release_task(spec.id);
      report_start_failure(s, st.message());
    }
  }
  for (const auto& id : actions.forget) forget_task(id);
  maybe_make_rollback_durable(plans);
  poll_runtime();
  if (starts_left) on_state_changed();  // the rest next round, once the event loop had its turn
}

void Agent::report_start_failure(const StartTask& s, const std::string& error) {
  crdt::TaskStatus status{s.service, s.slot, s.version, crdt::TaskState::kFailed, error, "", membership::Transport::wall_ms()};
  const crdt::TaskStatus* prev = replica_.state().task(NodeId{config_.name}, status.key());
  if (prev && prev->state == status.state && prev->error == error && prev->spec_version == s.version) return;
  (void)commit_local_write(replica_.put_task(membership::Transport::wall_ms(), status));
}

void Agent::forget_task(const std::string& id) {
  auto spec = runtime_->spec(id);
  if (!spec) return;
  if (!runtime_->forget(id, true)) return;  // still stopping: next round
  if (dataplane_) dataplane_->release_task(id);
  // Drop its status unless another task of the same slot (a newer version) already reports.
  crdt::TaskKey key{spec->service, spec->slot};
  const crdt::TaskStatus* st = replica_.state().task(NodeId{config_.name}, key);
  if (st && task_version(id) == st->spec_version) {
    auto delta = replica_.delete_task(membership::Transport::wall_ms(), key);
    if (delta) (void)commit_local_write(*delta);
  }
}

// A rolling update whose failures call for rollback: make it durable by writing the previous
// spec back (as `shoal service rollback` does). One node does it (the first alive by name), so
// the cluster does not write the same rollback N times; if it dies, the next one takes over.
void Agent::maybe_make_rollback_durable(const std::map<std::string, ServicePlan>& plans) {
  for (const auto& [name, plan] : plans) {
    if (!plan.update || plan.update->phase != placement::UpdatePhase::kRollingBack) continue;
    std::string first;
    for (const auto& m : swim_->members())
      if (m.status == membership::MemberStatus::kAlive && (first.empty() || m.id.name < first)) first = m.id.name;
    if (first != config_.name) continue;
    auto delta = replica_.rollback_service(membership::Transport::wall_ms(), name);
    if (!delta) continue;
    log_line("service " + name + ": update failed, rolling back to the previous spec");
    (void)commit_local_write(*delta);
  }
}

void Agent::poll_runtime() {
  if (!runtime_) return;
  std::int64_t now = wall_now();
  auto changes = runtime_->poll(now);
  if (!changes.empty()) report_task_changes(changes);
  std::int64_t next = runtime_->next_deadline_ms();
  if (next == runtime::kNever) return;
  runtime_timer_.expires_after(std::chrono::milliseconds(next > now ? next - now : 0));
  runtime_timer_.async_wait([this](boost::system::error_code ec) { if (!ec) poll_runtime(); });
}

void Agent::report_task_changes(const std::vector<runtime::TaskStatus>& changes) {
  crdt::DesiredState batch;
  bool any = false;
  for (const auto& ch : changes) {
    auto spec = runtime_->spec(ch.id);
    auto task_ver = task_version(ch.id);
    if (!spec || !task_ver) continue;
    std::uint64_t version = *task_ver;
    crdt::TaskKey key{spec->service, spec->slot};
    const crdt::TaskStatus* prev = replica_.state().task(NodeId{config_.name}, key);
    // A retiring old-version task must not overwrite the status of the slot's new task.
    if (prev && prev->spec_version > version) continue;
    std::string address = dataplane_ ? dataplane_->address_of(ch.id) : std::string();
    crdt::TaskStatus st{spec->service, spec->slot, version, to_crdt(ch.state), ch.error, address,
                        static_cast<std::uint64_t>(ch.since_ms)};
    batch.merge(replica_.put_task(membership::Transport::wall_ms(), st));
    any = true;
  }
  if (any) (void)commit_local_write(batch);
  on_state_changed();
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
  if (!runtime_) return begin_leave();
  stop_started_ms_ = membership::Transport::mono_ms();
  runtime_->stop_all(-1, wall_now());
  wait_for_tasks_then_leave();
}

void Agent::wait_for_tasks_then_leave() {
  poll_runtime();
  bool all_done = true;
  for (const auto& st : runtime_->list())
    if (!runtime::is_terminal(st.state)) all_done = false;
  if (all_done || membership::Transport::mono_ms() - stop_started_ms_ > kStopTasksMaxWaitMs) {
    for (const auto& st : runtime_->list()) {
      (void)runtime_->forget(st.id, false);
      if (dataplane_) dataplane_->release_task(st.id);
    }
    if (dataplane_) dataplane_->shutdown();
    return begin_leave();
  }
  leave_timer_.expires_after(std::chrono::milliseconds(50));
  leave_timer_.async_wait([this](boost::system::error_code ec) { if (!ec) wait_for_tasks_then_leave(); });
}

}  // namespace shoal
